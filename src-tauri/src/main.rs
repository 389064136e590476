// Kyma Studio's window. Everything it does is in the library; see lib.rs.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    kyma_studio::run();
}
