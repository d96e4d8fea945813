//! `ConnectionStore`: connections make presence, and expire.

use chrono::{Duration, Utc};

use chitter_core::domain::{ConnectionId, ConnectionRecord, UserId};
use chitter_core::ports::{PresenceChange, Store};

use super::fixtures::connection;

pub async fn connections_track_presence<S: Store>(s: &S) {
    let (ada, bob) = (UserId::new(), UserId::new());
    assert_eq!(
        s.add_connection(&connection(ada, "a-1")).await.unwrap(),
        PresenceChange::CameOnline
    );
    assert_eq!(
        s.add_connection(&connection(ada, "a-2")).await.unwrap(),
        PresenceChange::Unchanged
    );
    assert_eq!(
        s.add_connection(&connection(bob, "b-1")).await.unwrap(),
        PresenceChange::CameOnline
    );
    let mut ids: Vec<String> = s
        .connections_of(&[ada, bob])
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.connection_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["a-1", "a-2", "b-1"]);
    assert_eq!(s.count_online(&[ada, bob, UserId::new()]).await.unwrap(), 2);
    let a1 = ConnectionId::parse("a-1").unwrap();
    assert_eq!(s.connection(&a1).await.unwrap().unwrap().user_id, ada);

    let (_, change) = s.remove_connection(&a1).await.unwrap().unwrap();
    assert_eq!(change, PresenceChange::Unchanged);
    assert_eq!(s.remove_connection(&a1).await.unwrap(), None);
    let (record, change) = s
        .remove_connection(&ConnectionId::parse("a-2").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((record.user_id, change), (ada, PresenceChange::WentOffline));
    assert_eq!(s.count_online(&[ada, bob]).await.unwrap(), 1);
    assert!(s.connections_of(&[ada]).await.unwrap().is_empty());
}

/// A connection past its maximum lifetime is not open, whatever became of
/// its `$disconnect`: it does not count as online, and the user's next
/// connection brings them online again.
pub async fn expired_connections_do_not_count<S: Store>(s: &S) {
    let ada = UserId::new();
    let long_ago = Utc::now() - Duration::hours(3);
    let stale = ConnectionRecord {
        connection_id: ConnectionId::parse("stale-1").unwrap(),
        user_id: ada,
        connected_at: long_ago,
        expires_at: long_ago + Duration::hours(2),
    };
    assert_eq!(
        s.add_connection(&stale).await.unwrap(),
        PresenceChange::CameOnline
    );
    assert_eq!(s.count_online(&[ada]).await.unwrap(), 0);
    assert_eq!(
        s.add_connection(&connection(ada, "fresh-1")).await.unwrap(),
        PresenceChange::CameOnline
    );
    assert_eq!(s.count_online(&[ada]).await.unwrap(), 1);
    let (_, change) = s
        .remove_connection(&ConnectionId::parse("fresh-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(change, PresenceChange::WentOffline);
}
