//! The conformance suite: one body per behaviour, run against every
//! implementation of a port, in files named like the ports' own
//! (`chitter-core/src/ports/`) and the adapters' (`chitter-aws/src/store/`,
//! `chitter-embedded/src/store/`). `store_conformance!` instantiates the
//! store bodies for a backend; the stream, pusher and blob bodies take the
//! adapter and a probe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod blobs;
mod connections;
mod conversations;
mod emoji;
mod fixtures;
mod friends;
mod limits;
mod matching;
mod messages;
mod pusher;
mod rooms;
mod stream;
mod themes;
mod tokens;
mod uploads;
mod users;

pub use blobs::blobs_accept_only_what_was_signed;
pub use connections::{connections_track_presence, expired_connections_do_not_count};
pub use conversations::{
    a_pair_has_one_direct_conversation, groups_keep_their_members, large_groups_are_written_whole,
};
pub use emoji::{
    emoji_libraries_keep_names_unique_and_bounded, racing_creates_of_one_name_make_one_emoji,
};
pub use fixtures::user;
pub use friends::{blocks_have_two_sides_and_end_friendships, friendships_have_two_sides};
pub use limits::limit_counters_count_each_use_once_per_window;
pub use matching::matching_pairs_each_waiting_user_once;
pub use messages::{
    concurrent_writers_never_share_or_skip_a_number, deferred_writes_number_alike_and_sync,
    edits_and_deletes_are_entries_that_change_their_target,
    messages_get_gap_free_sequence_numbers_once, persist_all_numbers_each_conversation_in_order,
    retention_stamps_entries_and_removes_the_expired,
    votes_count_once_per_user_even_when_cast_together,
};
pub use pusher::{ClientEnd, pushers_deliver_and_report_gone};
pub use rooms::{
    rooms_are_listed_newest_first_and_reach_only_subscribed_members,
    subscriptions_are_found_by_connection_and_need_a_membership,
};
pub use stream::{StreamProbe, streams_keep_each_key_in_order};
pub use themes::{
    racing_copiers_are_each_counted, the_market_pages_and_counts_each_copier_once,
    themes_are_written_by_version,
};
pub use tokens::tokens_are_single_use;
pub use uploads::{racing_finalizes_never_pass_the_quota, uploads_finalize_once_within_the_quota};
pub use users::{
    handles_are_searched_by_prefix_in_order, handles_are_unique, identities_link_one_account_each,
    profiles_are_read_in_bulk,
};

/// Instantiates the store conformance bodies for a backend. `$make` is an
/// async expression giving a fresh `Arc<impl Store>`.
#[macro_export]
macro_rules! store_conformance {
    ($make:expr) => {
        #[tokio::test]
        async fn handles_are_unique() {
            let s = $make;
            $crate::conformance::handles_are_unique(&*s).await;
        }
        #[tokio::test]
        async fn identities_link_one_account_each() {
            let s = $make;
            $crate::conformance::identities_link_one_account_each(&*s).await;
        }
        #[tokio::test]
        async fn profiles_are_read_in_bulk() {
            let s = $make;
            $crate::conformance::profiles_are_read_in_bulk(&*s).await;
        }
        #[tokio::test]
        async fn tokens_are_single_use() {
            let s = $make;
            $crate::conformance::tokens_are_single_use(&*s).await;
        }
        #[tokio::test]
        async fn connections_track_presence() {
            let s = $make;
            $crate::conformance::connections_track_presence(&*s).await;
        }
        #[tokio::test]
        async fn expired_connections_do_not_count() {
            let s = $make;
            $crate::conformance::expired_connections_do_not_count(&*s).await;
        }
        #[tokio::test]
        async fn groups_keep_their_members() {
            let s = $make;
            $crate::conformance::groups_keep_their_members(&*s).await;
        }
        #[tokio::test]
        async fn large_groups_are_written_whole() {
            let s = $make;
            $crate::conformance::large_groups_are_written_whole(&*s).await;
        }
        #[tokio::test]
        async fn a_pair_has_one_direct_conversation() {
            let s = $make;
            $crate::conformance::a_pair_has_one_direct_conversation(s).await;
        }
        #[tokio::test]
        async fn messages_get_gap_free_sequence_numbers_once() {
            let s = $make;
            $crate::conformance::messages_get_gap_free_sequence_numbers_once(&*s).await;
        }
        #[tokio::test]
        async fn concurrent_writers_never_share_or_skip_a_number() {
            let s = $make;
            $crate::conformance::concurrent_writers_never_share_or_skip_a_number(s).await;
        }
        #[tokio::test]
        async fn deferred_writes_number_alike_and_sync() {
            let s = $make;
            $crate::conformance::deferred_writes_number_alike_and_sync(&*s).await;
        }
        #[tokio::test]
        async fn persist_all_numbers_each_conversation_in_order() {
            let s = $make;
            $crate::conformance::persist_all_numbers_each_conversation_in_order(&*s).await;
        }
        #[tokio::test]
        async fn edits_and_deletes_are_entries_that_change_their_target() {
            let s = $make;
            $crate::conformance::edits_and_deletes_are_entries_that_change_their_target(&*s).await;
        }
        #[tokio::test]
        async fn votes_count_once_per_user_even_when_cast_together() {
            let s = $make;
            $crate::conformance::votes_count_once_per_user_even_when_cast_together(s).await;
        }
        #[tokio::test]
        async fn matching_pairs_each_waiting_user_once() {
            let s = $make;
            $crate::conformance::matching_pairs_each_waiting_user_once(s).await;
        }
        #[tokio::test]
        async fn rooms_are_listed_newest_first_and_reach_only_subscribed_members() {
            let s = $make;
            $crate::conformance::rooms_are_listed_newest_first_and_reach_only_subscribed_members(
                &*s,
            )
            .await;
        }
        #[tokio::test]
        async fn subscriptions_are_found_by_connection_and_need_a_membership() {
            let s = $make;
            $crate::conformance::subscriptions_are_found_by_connection_and_need_a_membership(&*s)
                .await;
        }
        #[tokio::test]
        async fn limit_counters_count_each_use_once_per_window() {
            let s = $make;
            $crate::conformance::limit_counters_count_each_use_once_per_window(s).await;
        }
        #[tokio::test]
        async fn blocks_have_two_sides_and_end_friendships() {
            let s = $make;
            $crate::conformance::blocks_have_two_sides_and_end_friendships(&*s).await;
        }
        #[tokio::test]
        async fn handles_are_searched_by_prefix_in_order() {
            let s = $make;
            $crate::conformance::handles_are_searched_by_prefix_in_order(&*s).await;
        }
        #[tokio::test]
        async fn retention_stamps_entries_and_removes_the_expired() {
            let s = $make;
            $crate::conformance::retention_stamps_entries_and_removes_the_expired(&*s).await;
        }
        #[tokio::test]
        async fn uploads_finalize_once_within_the_quota() {
            let s = $make;
            $crate::conformance::uploads_finalize_once_within_the_quota(&*s).await;
        }
        #[tokio::test]
        async fn racing_finalizes_never_pass_the_quota() {
            let s = $make;
            $crate::conformance::racing_finalizes_never_pass_the_quota(s).await;
        }
        #[tokio::test]
        async fn emoji_libraries_keep_names_unique_and_bounded() {
            let s = $make;
            $crate::conformance::emoji_libraries_keep_names_unique_and_bounded(&*s).await;
        }
        #[tokio::test]
        async fn racing_creates_of_one_name_make_one_emoji() {
            let s = $make;
            $crate::conformance::racing_creates_of_one_name_make_one_emoji(s).await;
        }
        #[tokio::test]
        async fn themes_are_written_by_version() {
            let s = $make;
            $crate::conformance::themes_are_written_by_version(&*s).await;
        }
        #[tokio::test]
        async fn the_market_pages_and_counts_each_copier_once() {
            let s = $make;
            $crate::conformance::the_market_pages_and_counts_each_copier_once(&*s).await;
        }
        #[tokio::test]
        async fn racing_copiers_are_each_counted() {
            let s = $make;
            $crate::conformance::racing_copiers_are_each_counted(s).await;
        }
        #[tokio::test]
        async fn friendships_have_two_sides() {
            let s = $make;
            $crate::conformance::friendships_have_two_sides(&*s).await;
        }
    };
}
