//! API Gateway routes by `action`: every action the protocol knows needs a
//! route in `template.yaml`, or on AWS it would fall to `$default` and be
//! answered `unknown_action`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chitter_core::protocol::ACTIONS;

const TEMPLATE: &str = include_str!("../../../template.yaml");

#[test]
fn the_template_routes_every_action_to_the_message_function() {
    let mut routed: Vec<&str> = TEMPLATE
        .lines()
        .filter_map(|l| l.trim().strip_prefix("RouteKey: "))
        .filter(|k| !k.starts_with('$'))
        .collect();
    routed.sort_unstable();
    let mut actions = ACTIONS.to_vec();
    actions.sort_unstable();
    assert_eq!(routed, actions);
}
