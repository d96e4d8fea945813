//! The S3 endpoint of the embedded backend at `/blobs` (the bucket's name,
//! path-style): what presigned upload and download URLs point at, with the
//! CORS answers a browser on another origin needs to use them.

use axum::Router;
use axum::error_handling::HandleError;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use s3s::service::S3Service;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

pub fn routes(service: S3Service) -> Router<AppState> {
    let service = HandleError::new(service, |e: s3s::HttpError| async move {
        tracing::error!(error = ?e, "S3 request failed");
        StatusCode::INTERNAL_SERVER_ERROR
    });
    // A presigned URL is its own authority: any page holding one may use it,
    // as with S3's CORS rule for the web origin.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::HEAD, Method::PUT])
        .allow_headers([
            http::header::CONTENT_TYPE,
            http::header::IF_NONE_MATCH,
            HeaderName::from_static("x-amz-checksum-crc32"),
        ])
        .expose_headers([http::header::ETAG]);
    Router::new()
        .route_service("/blobs", service.clone())
        .route_service("/blobs/{*key}", service)
        // Files are served as the type their bytes showed; never let a
        // browser guess otherwise, or run anything one contains.
        .layer(SetResponseHeaderLayer::overriding(
            http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            http::header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        ))
        .layer(cors)
}
