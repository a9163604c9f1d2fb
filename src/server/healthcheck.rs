//! The `healthcheck` subcommand: one HTTP/1.1 request to `/_mock/health`, in the clear or
//! over TLS, without any HTTP client library, so container images need no curl.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How the probe speaks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    /// TLS without checking the certificate: the probe asks whether the listener is
    /// alive, not whether its certificate is one to trust.
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// The address to probe: a wildcard listen address is reached over loopback.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), listen.port())
        }
        _ => listen,
    }
}

/// True when the server at `address` answers `200` on `/_mock/health` within `timeout`.
pub async fn check(address: SocketAddr, scheme: Scheme, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, probe(address, scheme)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer from {address} within {timeout:?}")),
    }
}

async fn probe(address: SocketAddr, scheme: Scheme) -> Result<(), String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    match scheme {
        Scheme::Http => exchange(stream, address).await,
        Scheme::Https => {
            let provider = crate::server::tls::provider();
            let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("cannot set up TLS: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
            let stream = connector
                .connect(ServerName::IpAddress(address.ip().into()), stream)
                .await
                .map_err(|e| format!("TLS handshake with {address} failed: {e}"))?;
            exchange(stream, address).await
        }
    }
}

/// Sends the health request and reads the status line of the answer.
async fn exchange<T: AsyncRead + AsyncWrite + Unpin>(
    mut stream: T,
    address: SocketAddr,
) -> Result<(), String> {
    let request =
        format!("GET /_mock/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut response = Vec::new();
    let read = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    let status_line = text.lines().next().unwrap_or_default();
    match read {
        // A TLS peer that closes without close_notify still gave its whole answer.
        Err(e) if status_line.is_empty() => Err(format!("cannot read the answer: {e}")),
        _ if status_line.split_whitespace().nth(1) == Some("200") => Ok(()),
        _ => Err(format!("unhealthy answer: {status_line}")),
    }
}

/// Accepts any certificate (signatures are still checked, against the certificate
/// presented): see [`Scheme::Https`].
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
