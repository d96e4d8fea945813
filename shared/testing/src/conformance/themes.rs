//! `ThemeStore`: versioned writes, a market paged the same way on every
//! store with each user's copy counted once, and where themes apply.

use std::sync::Arc;

use chrono::{Duration, Utc};

use chitter_core::domain::{
    Background, ConversationId, Theme, ThemeColors, ThemeId, ThemeSpec, UserId,
};
use chitter_core::ports::{AppliedTheme, Copied, MarketOrder, Store, ThemeScope};

fn theme(owner: UserId, name: &str) -> Theme {
    let now = Utc::now();
    Theme {
        theme_id: ThemeId::new(),
        owner,
        spec: ThemeSpec {
            name: name.into(),
            colors: ThemeColors {
                accent: "#7c5cff".into(),
                own_bubble: "#4f46e5".into(),
                own_text: "#ffffff".into(),
                other_bubble: "#ffffff".into(),
                other_text: "#111827".into(),
            },
            background: Background::Color {
                color: "#0b1020".into(),
            },
            emoji: vec![],
        },
        created_at: now,
        updated_at: now,
        published_at: None,
        copies: 0,
        copied_from: None,
    }
}

fn names(themes: &[Theme]) -> Vec<&str> {
    themes.iter().map(|t| t.spec.name.as_str()).collect()
}

pub async fn themes_are_written_by_version<S: Store>(s: &S) {
    let ada = UserId::new();
    let t = theme(ada, "one");
    assert!(s.put_theme(&t, None).await.unwrap());
    assert!(!s.put_theme(&t, None).await.unwrap(), "created twice");
    assert_eq!(s.theme(t.theme_id).await.unwrap(), Some(t.clone()));

    let mut edited = t.clone();
    edited.spec.name = "edited".into();
    edited.updated_at = t.updated_at + Duration::seconds(1);
    assert!(s.put_theme(&edited, Some(&t)).await.unwrap());
    let mut stale = t.clone();
    stale.spec.name = "lost update".into();
    assert!(
        !s.put_theme(&stale, Some(&t)).await.unwrap(),
        "a write from an old version must not win"
    );
    assert_eq!(
        s.theme(t.theme_id).await.unwrap().unwrap().spec.name,
        "edited"
    );

    let two = theme(ada, "two");
    s.put_theme(&two, None).await.unwrap();
    s.put_theme(&theme(UserId::new(), "not mine"), None)
        .await
        .unwrap();
    assert_eq!(names(&s.themes(ada).await.unwrap()), ["edited", "two"]);

    assert_eq!(
        s.delete_theme(UserId::new(), two.theme_id).await.unwrap(),
        None
    );
    assert!(s.delete_theme(ada, two.theme_id).await.unwrap().is_some());
    assert_eq!(s.theme(two.theme_id).await.unwrap(), None);
    assert_eq!(names(&s.themes(ada).await.unwrap()), ["edited"]);

    // Where themes apply.
    let c = ConversationId::new();
    assert_eq!(s.conversation_theme(c).await.unwrap(), None);
    let applied = AppliedTheme {
        theme: edited.clone(),
        set_by: ada,
        set_at: Utc::now(),
    };
    s.set_conversation_theme(c, Some(&applied)).await.unwrap();
    assert_eq!(s.conversation_theme(c).await.unwrap(), Some(applied));
    s.set_conversation_theme(c, None).await.unwrap();
    assert_eq!(s.conversation_theme(c).await.unwrap(), None);
    for scope in [ThemeScope::Default, ThemeScope::Conversation(c)] {
        assert_eq!(s.theme_choice(ada, scope).await.unwrap(), None);
        s.set_theme_choice(ada, scope, Some(t.theme_id))
            .await
            .unwrap();
        assert_eq!(s.theme_choice(ada, scope).await.unwrap(), Some(t.theme_id));
    }
    s.set_theme_choice(ada, ThemeScope::Default, None)
        .await
        .unwrap();
    assert_eq!(
        s.theme_choice(ada, ThemeScope::Default).await.unwrap(),
        None
    );
    assert_eq!(
        s.theme_choice(ada, ThemeScope::Conversation(c))
            .await
            .unwrap(),
        Some(t.theme_id),
        "scopes are separate"
    );
}

/// Every page of the market in `order`, `size` at a time.
async fn all_pages<S: Store>(s: &S, order: MarketOrder, size: usize) -> Vec<Vec<Theme>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s
            .market(order, cursor.as_deref(), size)
            .await
            .unwrap()
            .unwrap();
        let next = page.next.clone();
        pages.push(page.themes);
        match next {
            Some(n) => cursor = Some(n),
            None => return pages,
        }
    }
}

pub async fn the_market_pages_and_counts_each_copier_once<S: Store>(s: &S) {
    let owner = UserId::new();
    let base = Utc::now() + Duration::days(3650);
    let mut published = Vec::new();
    for i in 0..5 {
        let mut t = theme(owner, &format!("m{i}"));
        s.put_theme(&t, None).await.unwrap();
        let before = t.clone();
        t.published_at = Some(base + Duration::seconds(i));
        assert!(s.put_theme(&t, Some(&before)).await.unwrap());
        published.push(t);
    }
    let unpublished = theme(owner, "private");
    s.put_theme(&unpublished, None).await.unwrap();
    // Newest first, page by page, nothing twice; the store may hold other
    // tests' themes, older than these.
    let pages = all_pages(s, MarketOrder::Newest, 2).await;
    let seen: Vec<&str> = pages
        .iter()
        .flatten()
        .map(|t| t.spec.name.as_str())
        .filter(|n| n.starts_with('m') && n.len() == 2)
        .collect();
    assert_eq!(seen, ["m4", "m3", "m2", "m1", "m0"]);
    assert_eq!(pages[0].len(), 2);
    assert!(!pages.iter().flatten().any(|t| t.spec.name == "private"));

    let (u1, u2) = (UserId::new(), UserId::new());
    let m1 = published[1].theme_id;
    assert_eq!(s.count_copy(m1, u1).await.unwrap(), Copied::Counted(1));
    assert_eq!(s.count_copy(m1, u1).await.unwrap(), Copied::Again);
    assert_eq!(s.count_copy(m1, u2).await.unwrap(), Copied::Counted(2));
    assert_eq!(
        s.count_copy(published[3].theme_id, u1).await.unwrap(),
        Copied::Counted(1)
    );
    assert_eq!(
        s.count_copy(unpublished.theme_id, u1).await.unwrap(),
        Copied::NotPublished
    );
    assert_eq!(s.theme(m1).await.unwrap().unwrap().copies, 2);
    let top = s
        .market(MarketOrder::MostCopied, None, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(names(&top.themes), ["m1", "m3"], "most copied first");

    // Unpublishing and deleting leave the market.
    let current = s.theme(m1).await.unwrap().unwrap();
    let withdrawn = Theme {
        published_at: None,
        ..current.clone()
    };
    assert!(s.put_theme(&withdrawn, Some(&current)).await.unwrap());
    s.delete_theme(owner, published[3].theme_id).await.unwrap();
    let left: Vec<String> = all_pages(s, MarketOrder::MostCopied, 10)
        .await
        .into_iter()
        .flatten()
        .map(|t| t.spec.name)
        .filter(|n| n.starts_with('m') && n.len() == 2)
        .collect();
    assert_eq!(left, ["m4", "m2", "m0"]);

    assert!(
        s.market(MarketOrder::Newest, Some("POP#x"), 2)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.market(MarketOrder::Newest, Some("NEW#\"; drop"), 2)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn racing_copiers_are_each_counted<S: Store + 'static>(s: Arc<S>) {
    let mut t = theme(UserId::new(), "popular");
    s.put_theme(&t, None).await.unwrap();
    let before = t.clone();
    t.published_at = Some(Utc::now());
    s.put_theme(&t, Some(&before)).await.unwrap();
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (s, id) = (s.clone(), t.theme_id);
            tokio::spawn(async move { s.count_copy(id, UserId::new()).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert!(matches!(task.await.unwrap(), Copied::Counted(_)));
    }
    assert_eq!(s.theme(t.theme_id).await.unwrap().unwrap().copies, 5);
}
