//! The `contentstack-mock` binary: `serve` (the default) or `healthcheck`.

use std::process::ExitCode;

use clap::Parser;
use contentstack_mock::server::app::Application;
use contentstack_mock::server::config::{Cli, Command, ServeConfig};
use contentstack_mock::server::healthcheck::{self, Scheme};
use contentstack_mock::server::telemetry;
use tokio_util::sync::CancellationToken;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Some(Command::Healthcheck(config)) => {
            let (listen, scheme) = if config.tls {
                match config.tls_listen {
                    Some(listen) => (listen, Scheme::Https),
                    None => {
                        eprintln!(
                            "unhealthy: --tls probes the HTTPS listener: give its address with --tls-listen (CSMOCK_TLS_LISTEN)"
                        );
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                (config.listen, Scheme::Http)
            };
            let address = healthcheck::probe_address(listen);
            match runtime.block_on(healthcheck::check(address, scheme, config.timeout)) {
                Ok(()) => {
                    println!("healthy: {}://{address}/_mock/health", scheme.as_str());
                    ExitCode::SUCCESS
                }
                Err(reason) => {
                    eprintln!("unhealthy: {reason}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Command::Serve(config)) => runtime.block_on(serve(*config)),
        None => runtime.block_on(serve(cli.serve)),
    }
}

async fn serve(config: ServeConfig) -> ExitCode {
    telemetry::init(config.log_format, &config.log);
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    // Listening for signals before the banner says the server is up: a SIGTERM sent as
    // soon as the banner is read must stop it cleanly, not kill it.
    tokio::spawn(stop_on_signal(shutdown.clone()));
    print!("{}", app.banner());
    match app.run_until_stopped(shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Listens for SIGINT and SIGTERM from the call on (not from the first poll of the
/// returned future), and cancels `shutdown` when one arrives.
fn stop_on_signal(shutdown: CancellationToken) -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let received = |signal: std::io::Result<tokio::signal::unix::Signal>| async move {
                match signal {
                    Ok(mut signal) => {
                        signal.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = received(interrupt) => {}
                _ = received(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        // Stop first: shutdown must never depend on a log line being written.
        shutdown.cancel();
        tracing::info!("shutting down");
    }
}
