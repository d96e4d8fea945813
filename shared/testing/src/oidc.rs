//! A local OpenID provider for tests: its own discovery document and key
//! set on loopback (port 0), an ES256 key made at start, and ID tokens
//! minted on request, so sign-in is tested against real HTTP and real
//! signatures with no outside service.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use serde_json::{Value, json};

/// An ES256 key pair: the private half for signing, the public half as a JWK.
pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Value,
}

impl SigningKey {
    pub fn generate(kid: &str) -> Self {
        let secret = loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(k) = p256::SecretKey::from_slice(&bytes) {
                break k;
            }
        };
        let der = secret.to_pkcs8_der().expect("a P-256 key encodes");
        let point = secret.public_key().to_encoded_point(false);
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        Self {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                "x": b64(point.x().expect("x")), "y": b64(point.y().expect("y")),
            }),
        }
    }

    /// Signs `claims` with this key, its kid in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("signs")
    }
}

pub struct TestProvider {
    pub issuer: String,
    pub client_id: String,
    pub key: SigningKey,
    served: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestProvider {
    /// Serves `/.well-known/openid-configuration` and `/jwks` on a free
    /// loopback port until dropped.
    pub async fn start(client_id: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let issuer = format!("http://{}", listener.local_addr().expect("bound"));
        let key = SigningKey::generate("test-key-1");
        let served = Arc::new(Mutex::new(vec![key.jwk.clone()]));
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        });
        let keys = served.clone();
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || {
                    let d = discovery.to_string();
                    async move { ([(CONTENT_TYPE, "application/json")], d) }
                }),
            )
            .route(
                "/jwks",
                get(move || {
                    let keys = keys.lock().expect("keys").clone();
                    let body = json!({ "keys": keys }).to_string();
                    async move { ([(CONTENT_TYPE, "application/json")], body) }
                }),
            );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            issuer,
            client_id: client_id.to_owned(),
            key,
            served,
            task,
        }
    }

    /// Publishes another key in the set.
    pub fn publish(&self, jwk: Value) {
        self.served.lock().expect("keys").push(jwk);
    }

    /// The claims of a valid ID token for `sub`, to alter in tests.
    pub fn claims(&self, sub: &str, nonce: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer, "aud": self.client_id, "sub": sub,
            "iat": now, "exp": now + 300, "nonce": nonce,
        })
    }

    /// A token signed with the provider's published key.
    pub fn id_token(&self, claims: &Value) -> String {
        self.key.sign(claims)
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}
