use clap::Parser;

use chitter_local::{Config, Server};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    chitter_local::telemetry::init_local();
    let config = Config::parse();
    let server = Server::start(config).await?;
    // Tests and scripts read this line to learn the port.
    println!("chitter-local listening on http://{}", server.addr());
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}
