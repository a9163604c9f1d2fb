//! The stacks, cached in memory: every request resolves its stack and checks its
//! credential here without touching the database. The database stays the source of
//! truth; every change is written there first, then to the cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::Utc;

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db;
use crate::db::environments::{EnvironmentRow, EnvironmentUrl};
use crate::db::locales::LocaleRow;
use crate::db::management_tokens::ManagementTokenRow;
use crate::db::stacks::StackRow;
use crate::db::{Db, DbResult, Json};
use crate::domain::grants::Grant;

/// The default stack's fixed credentials (contract section 1).
pub const DEFAULT_API_KEY: &str = "blt0000000000000001";
pub const DEFAULT_MANAGEMENT_TOKEN: &str = "cs00000000000000000000000000000001";
pub const DEFAULT_STACK_NAME: &str = "Local";
const DEFAULT_USER_UID: &str = "cs0000000000000001";
/// The display name of a stack's user unless told otherwise (contract section 7).
pub const DEFAULT_USER_NAME: &str = "Local Developer";

/// The in-memory view of the `stacks` table. Changes to it are made under
/// `Db::stack_changes` (see the lock order on [`Db`]).
#[derive(Debug, Default)]
pub struct StackRegistry {
    by_api_key: RwLock<HashMap<String, Arc<StackRow>>>,
    /// What each management token made through the API may do, by token value.
    grants: RwLock<HashMap<String, Arc<Grant>>>,
}

/// What a new stack may be given; everything else is generated.
#[derive(Debug, Default, Clone)]
pub struct NewStack {
    pub name: Option<String>,
    pub api_key: Option<String>,
    pub management_token: Option<String>,
    /// Its environments (default: `development` alone).
    pub environments: Option<Vec<String>>,
    /// Its master locale (default: `en-us`).
    pub master_locale: Option<String>,
    /// Its user's display name (default: `Local Developer`).
    pub user_name: Option<String>,
}

/// What every new stack starts with (contract section 5): the environment
/// `development` and the master locale `en-us`.
pub const DEFAULT_ENVIRONMENT: &str = "development";
pub const DEFAULT_ENVIRONMENT_URL: &str = "http://localhost:3000";
pub const DEFAULT_LOCALE: &str = "en-us";
pub const DEFAULT_LOCALE_NAME: &str = "English - United States";

impl StackRegistry {
    /// Loads every stack from the database.
    pub async fn load(store: &Db) -> DbResult<StackRegistry> {
        let rows = db::stacks::list(store.reader()).await?;
        let map = rows
            .into_iter()
            .map(|row| (row.api_key.clone(), Arc::new(row)))
            .collect();
        let grants = db::management_tokens::all(store.reader())
            .await?
            .iter()
            .map(|row| (row.token.clone(), Arc::new(Grant::of(row))))
            .collect();
        Ok(StackRegistry {
            by_api_key: RwLock::new(map),
            grants: RwLock::new(grants),
        })
    }

    /// What the management token `token` may do, if it is one made through the API.
    pub fn grant_of(&self, token: &str) -> Option<Arc<Grant>> {
        self.grants
            .read()
            // A panic while the lock was held leaves the maps whole (each change is one insert or remove): go on with them.
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(token)
            .cloned()
    }

    /// Caches what a (new or changed) management token may do, after it was written.
    pub fn grant(&self, row: &ManagementTokenRow) {
        if self.get(&row.stack_api_key).is_none() {
            return;
        }
        self.grants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(row.token.clone(), Arc::new(Grant::of(row)));
    }

    /// Forgets a deleted management token.
    pub fn revoke(&self, token: &str) {
        self.grants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(token);
    }

    /// The stack with this api key.
    pub fn get(&self, api_key: &str) -> Option<Arc<StackRow>> {
        self.by_api_key
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(api_key)
            .cloned()
    }

    /// Every stack, oldest first.
    pub fn all(&self) -> Vec<Arc<StackRow>> {
        let mut stacks: Vec<_> = self
            .by_api_key
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        stacks.sort_by(|a, b| (&a.created_at, &a.api_key).cmp(&(&b.created_at, &b.api_key)));
        stacks
    }

    /// Puts a changed row into the cache (after it was written to the database).
    pub fn put(&self, row: StackRow) -> Arc<StackRow> {
        let row = Arc::new(row);
        self.by_api_key
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(row.api_key.clone(), row.clone());
        row
    }

    /// Drops a stack from the cache (after it was deleted from the database).
    pub fn forget(&self, api_key: &str) {
        self.by_api_key
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(api_key);
        self.grants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, grant| grant.api_key != api_key);
    }

    /// Drops every stack from the cache.
    pub fn clear(&self) {
        self.by_api_key
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        self.grants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Creates the default stack unless it exists; returns it.
    pub async fn ensure_default(&self, store: &Db) -> DbResult<Arc<StackRow>> {
        if let Some(stack) = self.get(DEFAULT_API_KEY) {
            return Ok(stack);
        }
        let row = StackRow {
            api_key: DEFAULT_API_KEY.to_owned(),
            name: DEFAULT_STACK_NAME.to_owned(),
            management_token: DEFAULT_MANAGEMENT_TOKEN.to_owned(),
            user_uid: DEFAULT_USER_UID.to_owned(),
            created_at: format_ts(Utc::now()),
            clock_offset_ms: 0,
            clock_frozen_at: None,
            description: String::new(),
            updated_at: None,
            user_name: DEFAULT_USER_NAME.to_owned(),
            settings: "{}".to_owned(),
        };
        self.insert(store, row, &NewStack::default()).await
    }

    /// Creates a stack with the given or generated credentials.
    pub async fn create(&self, store: &Db, new: NewStack) -> DbResult<Arc<StackRow>> {
        let row = StackRow {
            api_key: new.api_key.clone().unwrap_or_else(ids::api_key),
            name: new.name.clone().unwrap_or_else(|| "Test stack".to_owned()),
            management_token: new
                .management_token
                .clone()
                .unwrap_or_else(ids::management_token),
            user_uid: ids::user_uid(),
            created_at: format_ts(Utc::now()),
            clock_offset_ms: 0,
            clock_frozen_at: None,
            description: String::new(),
            updated_at: None,
            user_name: new
                .user_name
                .clone()
                .unwrap_or_else(|| DEFAULT_USER_NAME.to_owned()),
            settings: "{}".to_owned(),
        };
        self.insert(store, row, &new).await
    }

    /// Writes a new stack with its environments and master locale, in one transaction,
    /// then caches it.
    async fn insert(&self, store: &Db, row: StackRow, new: &NewStack) -> DbResult<Arc<StackRow>> {
        let environments: Vec<EnvironmentRow> = match &new.environments {
            Some(names) => names.clone(),
            None => vec![DEFAULT_ENVIRONMENT.to_owned()],
        }
        .into_iter()
        .map(|name| {
            let urls = if name == DEFAULT_ENVIRONMENT {
                vec![EnvironmentUrl {
                    locale: DEFAULT_LOCALE.to_owned(),
                    url: DEFAULT_ENVIRONMENT_URL.to_owned(),
                }]
            } else {
                Vec::new()
            };
            EnvironmentRow {
                uid: ids::asset_uid(),
                stack_api_key: row.api_key.clone(),
                name,
                urls: Json(urls),
                version: 1,
                created_at: row.created_at.clone(),
                created_by: row.user_uid.clone(),
                updated_at: row.created_at.clone(),
                updated_by: row.user_uid.clone(),
            }
        })
        .collect();
        let code = new
            .master_locale
            .clone()
            .unwrap_or_else(|| DEFAULT_LOCALE.to_owned());
        let locale = LocaleRow {
            uid: ids::asset_uid(),
            stack_api_key: row.api_key.clone(),
            name: if code == DEFAULT_LOCALE {
                DEFAULT_LOCALE_NAME.to_owned()
            } else {
                code.clone()
            },
            code,
            fallback_locale: None,
            version: 1,
            created_at: row.created_at.clone(),
            created_by: row.user_uid.clone(),
            updated_at: row.created_at.clone(),
            updated_by: row.user_uid.clone(),
        };
        let mut tx = store.begin_write().await?;
        db::stacks::insert(&mut tx, &row).await?;
        for environment in &environments {
            db::environments::insert(&mut tx, environment).await?;
        }
        db::locales::insert(&mut tx, &locale).await?;
        db::stack_content::remember_creation_defaults(&mut tx, &row.api_key).await?;
        db::commit(tx).await?;
        Ok(self.put(row))
    }
}
