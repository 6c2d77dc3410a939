//! `migrate`: the database schema brought up to date without serving.

use std::process::ExitCode;

use super::target::database_of;
use super::terminal::fail;

pub(super) fn run(data_dir: &std::path::Path, database_url: Option<&str>) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(data_dir) {
        return fail(&format!("cannot create {}: {e}", data_dir.display()));
    }
    let database = match database_of(database_url, None, data_dir) {
        Ok(database) => database,
        Err(message) => return fail(&message),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(crate::store::Store::open(&database)) {
        Ok(_) => {
            println!("{database}: database schema up to date");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}
