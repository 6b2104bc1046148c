//! secfw CLI
fn main() {}
