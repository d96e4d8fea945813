//! The operations `docs/openapi.yaml` documents, read from its text, for
//! the suites that must cover every route (the authorization matrix, the
//! HTTP fuzzer): a route added to the document cannot escape them.

/// The document itself.
pub const DOCUMENT: &str = include_str!("../../../docs/openapi.yaml");

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Op {
    /// `GET`, `POST`, ...
    pub method: String,
    /// As documented, with `{params}`.
    pub path: String,
    /// Documented with `security: []`.
    pub public: bool,
}

/// Every operation under `/api`, in the document's order.
pub fn operations() -> Vec<Op> {
    let mut ops: Vec<Op> = Vec::new();
    let mut path: Option<String> = None;
    for line in DOCUMENT.lines() {
        if let Some(p) = line
            .strip_prefix("  /api")
            .and_then(|l| l.strip_suffix(':'))
        {
            path = Some(format!("/api{p}"));
            continue;
        }
        if !line.starts_with("  ") {
            path = None;
            continue;
        }
        if let Some(p) = &path {
            let method = line
                .trim_end()
                .strip_prefix("    ")
                .and_then(|l| l.strip_suffix(':'));
            if let Some(m) =
                method.filter(|m| ["get", "post", "put", "patch", "delete"].contains(m))
            {
                ops.push(Op {
                    method: m.to_uppercase(),
                    path: p.clone(),
                    public: false,
                });
            } else if line.trim() == "security: []"
                && let Some(op) = ops.last_mut()
            {
                op.public = true;
            }
        }
    }
    ops
}
