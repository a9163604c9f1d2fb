//! HTTPS: the certificate of the `--tls-listen` listener, read from `--tls-cert` /
//! `--tls-key` or generated (self-signed) and kept in `<data dir>/tls/`, and the rustls
//! configuration built from it. rustls with the `ring` provider: nothing to install.

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::TlsAcceptor;

use crate::server::config::ServeConfig;

/// The folder of the generated certificate, inside the data dir.
pub const TLS_DIR: &str = "tls";
/// The generated certificate's file name (PEM).
pub const CERT_FILE: &str = "cert.pem";
/// The generated key's file name (PEM, mode 0600).
pub const KEY_FILE: &str = "key.pem";

/// The names every generated certificate covers.
const ALWAYS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The HTTPS settings in effect: how connections are accepted and where the certificate is.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    /// The certificate's PEM file (given, or generated in the data dir).
    pub cert_path: PathBuf,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

/// The crypto provider of every TLS connection, server and probe alike.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Checks the TLS flags and prepares the certificate: `None` without `--tls-listen`.
/// Refuses half a pair, flags that need `--tls-listen` without it, and any certificate or
/// key that cannot serve, naming the file and the problem.
pub fn prepare(config: &ServeConfig, data_dir: &Path) -> anyhow::Result<Option<Tls>> {
    // An empty value (as CI files often pass `${VAR:-}`) means "not set".
    let cert = config
        .tls_cert
        .as_ref()
        .filter(|path| !path.as_os_str().is_empty());
    let key = config
        .tls_key
        .as_ref()
        .filter(|path| !path.as_os_str().is_empty());
    let extra_names: Vec<&str> = config
        .tls_san
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect();
    match (cert, key) {
        (Some(_), None) => {
            bail!(
                "--tls-cert is set but --tls-key is not: give both (CSMOCK_TLS_CERT and CSMOCK_TLS_KEY), or neither for a self-signed certificate"
            )
        }
        (None, Some(_)) => {
            bail!(
                "--tls-key is set but --tls-cert is not: give both (CSMOCK_TLS_CERT and CSMOCK_TLS_KEY), or neither for a self-signed certificate"
            )
        }
        _ => {}
    }
    if config.tls_listen.is_none() {
        if cert.is_some() {
            bail!(
                "--tls-cert and --tls-key are only used by the HTTPS listener: add --tls-listen (CSMOCK_TLS_LISTEN), or remove them"
            );
        }
        if !extra_names.is_empty() {
            bail!(
                "--tls-san is only used by the HTTPS listener: add --tls-listen (CSMOCK_TLS_LISTEN), or remove it"
            );
        }
        return Ok(None);
    }
    let (pair, cert_path) = match (cert, key) {
        (Some(cert), Some(key)) => {
            if !extra_names.is_empty() {
                tracing::warn!(
                    "--tls-san is ignored: the names come from the certificate given with --tls-cert"
                );
            }
            (load_pair(cert, key)?, cert.clone())
        }
        _ => {
            let names = subject_names(&extra_names)?;
            let dir = data_dir.join(TLS_DIR);
            (self_signed_in(&dir, &names)?, dir.join(CERT_FILE))
        }
    };
    Ok(Some(Tls {
        acceptor: TlsAcceptor::from(Arc::new(pair.config)),
        cert_path,
    }))
}

/// A certificate chain with its matching key, ready to serve.
struct Pair {
    chain: Vec<CertificateDer<'static>>,
    config: ServerConfig,
}

/// Reads a PEM certificate chain and its key, and checks that they serve together.
fn load_pair(cert_path: &Path, key_path: &Path) -> anyhow::Result<Pair> {
    let cert_pem = std::fs::read(cert_path)
        .with_context(|| format!("could not read the TLS certificate {}", cert_path.display()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow!(
                "the TLS certificate {} is not valid PEM: {e}",
                cert_path.display()
            )
        })?;
    let Some(leaf) = chain.first() else {
        bail!(
            "the TLS certificate {} holds no PEM certificate (no \"-----BEGIN CERTIFICATE-----\" block)",
            cert_path.display()
        );
    };
    webpki::EndEntityCert::try_from(leaf).map_err(|e| {
        anyhow!(
            "the TLS certificate {} is not a valid X.509 certificate: {e}",
            cert_path.display()
        )
    })?;

    let key_pem = std::fs::read(key_path)
        .with_context(|| format!("could not read the TLS key {}", key_path.display()))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => anyhow!(
            "the TLS key {} holds no PEM private key (no \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\" block)",
            key_path.display()
        ),
        e => anyhow!("the TLS key {} is not valid PEM: {e}", key_path.display()),
    })?;
    let config = server_config(chain.clone(), key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => anyhow!(
            "the TLS key {} does not match the certificate {}",
            key_path.display(),
            cert_path.display()
        ),
        e => anyhow!(
            "the TLS key {} cannot be used with the certificate {}: {e}",
            key_path.display(),
            cert_path.display()
        ),
    })?;
    Ok(Pair { chain, config })
}

/// The server configuration: TLS 1.2 and 1.3, HTTP/1.1 (ALPN `http/1.1`).
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerConfig, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A name or address the generated certificate must cover.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SubjectName {
    Dns(String),
    Ip(IpAddr),
}

impl std::fmt::Display for SubjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubjectName::Dns(name) => f.write_str(name),
            SubjectName::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// localhost, 127.0.0.1, ::1 and the `--tls-san` names, each once.
fn subject_names(extra: &[&str]) -> anyhow::Result<Vec<SubjectName>> {
    let mut names = Vec::new();
    for text in ALWAYS.iter().copied().chain(extra.iter().copied()) {
        let name = parse_subject_name(text)?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

fn parse_subject_name(text: &str) -> anyhow::Result<SubjectName> {
    let bare = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'));
    if let Ok(ip) = bare.unwrap_or(text).parse::<IpAddr>() {
        return Ok(SubjectName::Ip(ip));
    }
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    // One leading `*.` label is a wildcard; the rest must be a DNS name.
    let checked = name.strip_prefix("*.").unwrap_or(&name);
    if checked.contains('*') || rustls_pki_types::DnsName::try_from(checked).is_err() {
        bail!(
            "--tls-san: {text:?} is neither a host name (such as cma.mock or *.mock) nor an IP address"
        );
    }
    Ok(SubjectName::Dns(name))
}

/// The certificate kept in `dir`, reused while it still serves and covers `names`, else a
/// new self-signed one written there.
fn self_signed_in(dir: &Path, names: &[SubjectName]) -> anyhow::Result<Pair> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if cert_path.exists() || key_path.exists() {
        match load_pair(&cert_path, &key_path) {
            Ok(pair) => match missing_name(&pair.chain[0], names) {
                None => return Ok(pair),
                Some(name) => tracing::info!(
                    missing = %name,
                    "the kept TLS certificate does not cover every name asked for; generating a new one"
                ),
            },
            Err(e) => tracing::warn!(
                error = %format!("{e:#}"),
                "the kept TLS certificate cannot be used; generating a new one"
            ),
        }
    }
    let (cert_pem, key_pem) = generate(names)?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("could not create the folder {}", dir.display()))?;
    // The key first: a crash between the two leaves a pair that does not match, which
    // the next start replaces.
    write_file(&key_path, key_pem.as_bytes(), true)?;
    write_file(&cert_path, cert_pem.as_bytes(), false)?;
    tracing::info!(path = %cert_path.display(), names = %names.iter().map(ToString::to_string).collect::<Vec<_>>().join(","), "generated a self-signed TLS certificate");
    load_pair(&cert_path, &key_path)
}

/// The first of `names` that the certificate does not cover.
fn missing_name<'a>(
    leaf: &CertificateDer<'_>,
    names: &'a [SubjectName],
) -> Option<&'a SubjectName> {
    let Ok(cert) = webpki::EndEntityCert::try_from(leaf) else {
        return names.first();
    };
    names.iter().find(|name| match name {
        SubjectName::Dns(dns) => !cert
            .valid_dns_names()
            .any(|present| present.eq_ignore_ascii_case(dns)),
        SubjectName::Ip(ip) => cert
            .verify_is_valid_for_subject_name(&ServerName::IpAddress((*ip).into()))
            .is_err(),
    })
}

/// A new self-signed certificate for `names` (ECDSA P-256): (certificate PEM, key PEM).
fn generate(names: &[SubjectName]) -> anyhow::Result<(String, String)> {
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "contentstack-mock (self-signed)");
    params.subject_alt_names = names
        .iter()
        .map(|name| {
            Ok(match name {
                SubjectName::Dns(dns) => rcgen::SanType::DnsName(dns.as_str().try_into()?),
                SubjectName::Ip(ip) => rcgen::SanType::IpAddress(*ip),
            })
        })
        .collect::<Result<_, rcgen::Error>>()?;
    // A server certificate, not a CA: clients trust this very certificate.
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().context("could not generate a TLS key")?;
    let cert = params
        .self_signed(&key)
        .context("could not generate a TLS certificate")?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes `bytes` to `path` through a temporary file and a rename; `private` files are
/// readable by their owner only.
fn write_file(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let temp = path.with_extension("pem.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let write = || -> std::io::Result<()> {
        let _ = std::fs::remove_file(&temp);
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    };
    write().with_context(|| format!("could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_names_always_cover_loopback_and_take_names_and_addresses() {
        let names =
            subject_names(&["CMA.mock", "10.0.0.7", "[fe80::1]", "localhost", "*.mock"]).unwrap();
        let shown: Vec<String> = names.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "localhost",
                "127.0.0.1",
                "::1",
                "cma.mock",
                "10.0.0.7",
                "fe80::1",
                "*.mock"
            ]
        );
        for bad in ["two words", "a*.mock", "*", "under_score..mock", "*.*.mock"] {
            assert!(subject_names(&[bad]).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_generated_certificate_covers_its_names_and_no_other() {
        let names = subject_names(&["cma.mock", "192.0.2.1"]).unwrap();
        let (cert_pem, key_pem) = generate(&names).unwrap();
        let leaf = CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap();
        assert_eq!(missing_name(&leaf, &names), None);
        let more = subject_names(&["cma.mock", "other.mock"]).unwrap();
        assert_eq!(
            missing_name(&leaf, &more),
            Some(&SubjectName::Dns("other.mock".into()))
        );
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
        assert!(server_config(vec![leaf], key).is_ok());
    }
}
