//! `docs/openapi.yaml` names every route of the router and no other: a
//! route added without its documentation, or documented and gone, fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

/// `/api/a/{x}/b` and `/api/a/{y}/b` are one path.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_openapi_document_lists_exactly_the_routes() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let source = std::fs::read_to_string(format!("{root}/functions/crud/src/lib.rs")).unwrap();
    let routed: BTreeSet<String> = source
        .split(".route(")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('"')? + 1;
            let end = start + rest[start..].find('"')?;
            Some(shape(&rest[start..end]))
        })
        .collect();
    assert!(routed.len() > 20, "routes found: {routed:?}");

    let doc = std::fs::read_to_string(format!("{root}/docs/openapi.yaml")).unwrap();
    let documented: BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("  /api/"))
        .filter_map(|l| l.strip_suffix(':'))
        .map(|p| shape(&format!("/api/{p}")))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from docs/openapi.yaml: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "documented routes that do not exist: {stale:?}"
    );
}
