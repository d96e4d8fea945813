//! Themes: a user's library, applying them (a personal default, a
//! conversation's theme that every member sees, a personal override per
//! conversation), and the market of published themes.
//!
//! Which theme a conversation shows, first found wins: the caller's
//! override for it, its conversation theme, the caller's default, the
//! built-in look.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use serde::Serialize;

use super::error::{AppError, AppResult};
use super::services::Services;
use super::{access, fanout, uploads};
use crate::domain::{
    Caller, ConversationId, Role, Theme, ThemeError, ThemeId, ThemeSpec, ThemeView, UploadId,
    UploadKind, UploadState, UserId,
};
use crate::ports::{AppliedTheme, Copied, MarketOrder, ThemeScope};
use crate::protocol::{ErrorCode, ServerFrame};

/// Themes one user may keep.
pub const MAX_THEMES: usize = 100;
/// The largest market page.
pub const MAX_PAGE: usize = 50;

fn invalid(e: ThemeError) -> AppError {
    let code = if e.contrast {
        ErrorCode::LowContrast
    } else {
        ErrorCode::InvalidTheme
    };
    AppError::bad_request(code, e.to_string())
}

/// A view with URLs of the images, signed for `owner`'s files.
pub(crate) async fn view(svc: &Services, theme: Theme) -> AppResult<ThemeView> {
    let mut images = BTreeMap::new();
    let mut expires = None;
    for id in theme.spec.background.uploads() {
        let url = uploads::download_url(svc, theme.owner, id).await?;
        expires = Some(url.expires_at);
        images.insert(id, url.url);
    }
    Ok(ThemeView {
        theme,
        images,
        images_expire_at: expires,
    })
}

/// Checks a spec and that what it names exists and may be used.
async fn checked(svc: &Services, caller: &Caller, spec: ThemeSpec) -> AppResult<ThemeSpec> {
    let spec = spec.checked().map_err(invalid)?;
    // At most 8 images and 50 emoji: each looked up at once, not in turn.
    let images = spec.background.uploads();
    let found = try_join_all(
        images
            .iter()
            .map(|id| svc.uploads.upload(caller.user_id, *id)),
    )
    .await?;
    for (i, (id, upload)) in images.iter().zip(found).enumerate() {
        let usable = upload
            .is_some_and(|u| u.kind == UploadKind::Background && u.state == UploadState::Ready);
        if !usable {
            return Err(invalid(ThemeError {
                field: format!("background image {}", i + 1),
                reason: format!("({id}) must be one of your finished `background` uploads"),
                contrast: false,
            }));
        }
    }
    let emoji = try_join_all(spec.emoji.iter().map(|id| svc.emoji.emoji(*id))).await?;
    if let Some(i) = emoji.iter().position(Option::is_none) {
        return Err(invalid(ThemeError {
            field: format!("emoji[{i}]"),
            reason: "names no emoji".into(),
            contrast: false,
        }));
    }
    Ok(spec)
}

async fn own(svc: &Services, caller: &Caller, id: ThemeId) -> AppResult<Theme> {
    svc.themes
        .theme(id)
        .await?
        .filter(|t| t.owner == caller.user_id)
        .ok_or(AppError::NotFound("theme"))
}

/// A library holds at most `MAX_THEMES`. Checked before writing, so two
/// saves at once may pass it by one: the limit guards against floods, not
/// against a double click.
async fn room_for_one_more(svc: &Services, caller: &Caller) -> AppResult<()> {
    if svc.themes.themes(caller.user_id).await?.len() >= MAX_THEMES {
        return Err(AppError::bad_request(
            ErrorCode::QuotaExceeded,
            format!("you have {MAX_THEMES} themes, the most one library holds; delete some first"),
        ));
    }
    Ok(())
}

/// Saves a new theme of the caller's.
async fn save_new(
    svc: &Services,
    caller: &Caller,
    spec: ThemeSpec,
    copied_from: Option<ThemeId>,
) -> AppResult<ThemeView> {
    let now = svc.clock.now();
    let theme = Theme {
        theme_id: ThemeId::new(),
        owner: caller.user_id,
        spec,
        created_at: now,
        updated_at: now,
        published_at: None,
        copies: 0,
        copied_from,
    };
    if !svc.themes.put_theme(&theme, None).await? {
        return Err(AppError::Internal("a new theme id was taken"));
    }
    view(svc, theme).await
}

fn changed_meanwhile() -> AppError {
    AppError::Conflict("the theme changed meanwhile; load it and try again")
}

pub async fn create(svc: &Services, caller: &Caller, spec: ThemeSpec) -> AppResult<ThemeView> {
    let spec = checked(svc, caller, spec).await?;
    room_for_one_more(svc, caller).await?;
    save_new(svc, caller, spec, None).await
}

pub async fn update(
    svc: &Services,
    caller: &Caller,
    id: ThemeId,
    spec: ThemeSpec,
) -> AppResult<ThemeView> {
    let old = own(svc, caller, id).await?;
    let spec = checked(svc, caller, spec).await?;
    let new = Theme {
        spec,
        updated_at: svc
            .clock
            .now()
            .max(old.updated_at + chrono::Duration::milliseconds(1)),
        ..old.clone()
    };
    if !svc.themes.put_theme(&new, Some(&old)).await? {
        return Err(changed_meanwhile());
    }
    view(svc, new).await
}

pub async fn delete(svc: &Services, caller: &Caller, id: ThemeId) -> AppResult<()> {
    svc.themes
        .delete_theme(caller.user_id, id)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("theme"))
}

pub async fn list(svc: &Services, caller: &Caller) -> AppResult<Vec<ThemeView>> {
    let mut out = Vec::new();
    for t in svc.themes.themes(caller.user_id).await? {
        out.push(view(svc, t).await?);
    }
    Ok(out)
}

/// One of the caller's themes, or any published one.
pub async fn get(svc: &Services, caller: &Caller, id: ThemeId) -> AppResult<ThemeView> {
    let theme = svc
        .themes
        .theme(id)
        .await?
        .filter(|t| t.owner == caller.user_id || t.published_at.is_some())
        .ok_or(AppError::NotFound("theme"))?;
    view(svc, theme).await
}

/// Puts the caller's theme in the market (or takes it out). While it is
/// there, anyone signed in may see it and its images, and copy it.
pub async fn publish(
    svc: &Services,
    caller: &Caller,
    id: ThemeId,
    published: bool,
) -> AppResult<ThemeView> {
    let old = own(svc, caller, id).await?;
    if old.published_at.is_some() == published {
        return view(svc, old).await;
    }
    let new = Theme {
        published_at: published.then(|| svc.clock.now()),
        ..old.clone()
    };
    if !svc.themes.put_theme(&new, Some(&old)).await? {
        return Err(changed_meanwhile());
    }
    view(svc, new).await
}

/// A market page: themes and who made them.
#[derive(Debug, Clone, Serialize)]
pub struct MarketPageView {
    pub themes: Vec<MarketTheme>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MarketTheme {
    #[serde(flatten)]
    pub theme: ThemeView,
    pub owner_handle: String,
}

pub async fn market(
    svc: &Services,
    order: MarketOrder,
    cursor: Option<&str>,
    limit: usize,
) -> AppResult<MarketPageView> {
    let limit = limit.clamp(1, MAX_PAGE);
    let page = svc
        .themes
        .market(order, cursor, limit)
        .await?
        .ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::InvalidRequest,
                "`cursor` must be the `next` of an earlier page in the same order",
            )
        })?;
    // One unpublished between the page's read and its themes' is left out.
    let published: Vec<Theme> = page
        .themes
        .into_iter()
        .filter(|t| t.published_at.is_some())
        .collect();
    let owners: Vec<UserId> = published.iter().map(|t| t.owner).collect();
    let profiles = svc.users.profiles(&owners).await?;
    let mut themes = Vec::with_capacity(published.len());
    for theme in published {
        let owner_handle = profiles
            .iter()
            .find(|p| p.user_id == theme.owner)
            .map(|p| p.handle.to_string())
            .unwrap_or_default();
        themes.push(MarketTheme {
            theme: view(svc, theme).await?,
            owner_handle,
        });
    }
    Ok(MarketPageView {
        themes,
        next: page.next,
    })
}

/// Copies a published theme into the caller's library: an independent
/// theme with its own copies of the images (counted in the caller's
/// quota), so it lives on whatever happens to the original. The original's
/// copy count goes up once per user (never for its owner).
pub async fn copy(svc: &Services, caller: &Caller, id: ThemeId) -> AppResult<ThemeView> {
    let original = svc
        .themes
        .theme(id)
        .await?
        .filter(|t| t.published_at.is_some())
        .ok_or(AppError::NotFound("theme"))?;
    room_for_one_more(svc, caller).await?;
    let mut spec = original.spec.clone();
    let mut replaced: BTreeMap<UploadId, UploadId> = BTreeMap::new();
    let distinct: std::collections::BTreeSet<UploadId> =
        original.spec.background.uploads().into_iter().collect();
    for upload in distinct {
        let copy = copy_image(svc, caller, original.owner, upload).await?;
        replaced.insert(upload, copy);
    }
    spec.background = spec
        .background
        .with_uploads(|u| replaced.get(&u).copied().unwrap_or(u));
    let theme = save_new(svc, caller, spec, Some(original.theme_id)).await?;
    if original.owner != caller.user_id {
        match svc.themes.count_copy(id, caller.user_id).await? {
            Copied::Counted(_) | Copied::Again => {}
            // Unpublished meanwhile: the copy was made while it was public.
            Copied::NotPublished => {}
        }
    }
    Ok(theme)
}

/// A new ready upload of the caller's with the bytes of `owner`'s upload.
async fn copy_image(
    svc: &Services,
    caller: &Caller,
    owner: UserId,
    id: UploadId,
) -> AppResult<UploadId> {
    let source = svc
        .uploads
        .upload(owner, id)
        .await?
        .filter(|u| u.state == UploadState::Ready)
        .ok_or(AppError::Conflict("an image of this theme is gone"))?;
    let bytes = svc
        .blobs
        .read(&uploads::media_key(owner, id)?)
        .await?
        .ok_or(AppError::Conflict("an image of this theme is gone"))?;
    uploads::adopt(svc, caller, &source, bytes).await
}

/// Sets (or clears) the caller's default theme: one of their own.
pub async fn set_default(
    svc: &Services,
    caller: &Caller,
    theme: Option<ThemeId>,
) -> AppResult<Option<ThemeView>> {
    let chosen = match theme {
        Some(id) => Some(own(svc, caller, id).await?),
        None => None,
    };
    svc.themes
        .set_theme_choice(caller.user_id, ThemeScope::Default, theme)
        .await?;
    match chosen {
        Some(t) => Ok(Some(view(svc, t).await?)),
        None => Ok(None),
    }
}

/// The caller's default theme, if it still exists.
pub async fn default_theme(svc: &Services, caller: &Caller) -> AppResult<Option<ThemeView>> {
    chosen(svc, caller, ThemeScope::Default).await
}

async fn chosen(
    svc: &Services,
    caller: &Caller,
    scope: ThemeScope,
) -> AppResult<Option<ThemeView>> {
    let Some(id) = svc.themes.theme_choice(caller.user_id, scope).await? else {
        return Ok(None);
    };
    match svc
        .themes
        .theme(id)
        .await?
        .filter(|t| t.owner == caller.user_id)
    {
        Some(t) => Ok(Some(view(svc, t).await?)),
        None => Ok(None),
    }
}

/// Sets (or clears) a conversation's theme, which every member sees: any
/// member of a direct conversation may, only admins of a group. The theme
/// is one of the caller's own or a published one; the conversation keeps a
/// copy of it as it is now. Every member's connections are told.
pub async fn set_for_conversation(
    svc: &Services,
    caller: &Caller,
    conversation: ConversationId,
    theme: Option<ThemeId>,
) -> AppResult<Option<ThemeView>> {
    let me = access::require_visible(svc, conversation, caller.user_id).await?;
    let c = svc
        .conversations
        .conversation(conversation)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    if c.kind.is_titled() && me.role != Role::Admin {
        return Err(AppError::Forbidden(
            "only an admin may set a group's or room's theme",
        ));
    }
    let applied = match theme {
        Some(id) => {
            let theme = svc
                .themes
                .theme(id)
                .await?
                .filter(|t| t.owner == caller.user_id || t.published_at.is_some())
                .ok_or(AppError::NotFound("theme"))?;
            Some(AppliedTheme {
                theme,
                set_by: caller.user_id,
                set_at: svc.clock.now(),
            })
        }
        None => None,
    };
    svc.themes
        .set_conversation_theme(conversation, applied.as_ref())
        .await?;
    let shown = match applied {
        Some(a) => Some(view(svc, a.theme).await?),
        None => None,
    };
    let frame = ServerFrame::Theme {
        conversation_id: conversation,
        set_by: caller.user_id,
        theme: shown.clone().map(Box::new),
    };
    // The theme is set whatever the pushes do; members who miss the frame
    // see it when they next open the conversation.
    match fanout::push_to_conversation(svc, conversation, &frame, None, None).await {
        Ok(failures) => {
            for (connection, e) in failures {
                tracing::warn!(%connection, error = %e, "theme change not delivered");
            }
        }
        Err(e) => e.log(),
    }
    Ok(shown)
}

/// Sets (or clears) the caller's own theme for one conversation, over the
/// conversation's theme, seen only by the caller.
pub async fn set_override(
    svc: &Services,
    caller: &Caller,
    conversation: ConversationId,
    theme: Option<ThemeId>,
) -> AppResult<Option<ThemeView>> {
    access::require_visible(svc, conversation, caller.user_id).await?;
    let chosen = match theme {
        Some(id) => Some(own(svc, caller, id).await?),
        None => None,
    };
    svc.themes
        .set_theme_choice(
            caller.user_id,
            ThemeScope::Conversation(conversation),
            theme,
        )
        .await?;
    match chosen {
        Some(t) => Ok(Some(view(svc, t).await?)),
        None => Ok(None),
    }
}

/// Which theme shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Override,
    Conversation,
    Default,
    Builtin,
}

/// Every theme that could show in a conversation for the caller, and the
/// one that does.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationLooks {
    pub shown: Source,
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub personal: Option<ThemeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ThemeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_set_by: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<ThemeView>,
}

pub async fn looks(
    svc: &Services,
    caller: &Caller,
    conversation: ConversationId,
) -> AppResult<ConversationLooks> {
    access::require_visible(svc, conversation, caller.user_id).await?;
    let personal = chosen(svc, caller, ThemeScope::Conversation(conversation)).await?;
    let applied = svc.themes.conversation_theme(conversation).await?;
    let conversation_set_by = applied.as_ref().map(|a| a.set_by);
    let conversation = match applied {
        Some(a) => Some(view(svc, a.theme).await?),
        None => None,
    };
    let default = default_theme(svc, caller).await?;
    let shown = if personal.is_some() {
        Source::Override
    } else if conversation.is_some() {
        Source::Conversation
    } else if default.is_some() {
        Source::Default
    } else {
        Source::Builtin
    };
    Ok(ConversationLooks {
        shown,
        personal,
        conversation,
        conversation_set_by,
        default,
    })
}
