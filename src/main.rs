fn main() {
    println!("opora");
}
