//! Who is asking: the login PostgreSQL authenticated (`session_user`), the user it
//! is linked to, and the mode that follows from both.
//!
//! The tool never takes a person's word for who they are. PostgreSQL already
//! authenticates logins (SCRAM, client certificates, peer, LDAP, …); a login linked
//! to a user (`user link`) acts as that user, and the database enforces it: its
//! privileges and functions refuse whatever a login may not do, in psql as much as
//! here. The checks in this module only turn the same rules into clear messages and
//! exit codes before a statement is sent.
//!
//! - [`Mode::Login`]: a linked login; the requester is its user. `--as` naming
//!   another user is refused unless the login is in `invoicectl_delegate`.
//! - [`Mode::Admin`]: a superuser, the schema owner or a member of
//!   `invoicectl_admin`; `--as` is asserted (the demo and single-operator setups).
//! - [`Mode::Unmapped`]: any other login; refused wherever tenant data is touched,
//!   with the admin command that fixes it.

use serde::Serialize;
use sqlx::PgConnection;

use crate::db::{self, DbError};
use crate::error::{Classify, ExitKind};
use crate::ids::UserId;

/// The group whose members may act for another user (a CI account).
pub(crate) const DELEGATE_ROLE: &str = "invoicectl_delegate";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    Login,
    Admin,
    Unmapped,
}

impl Mode {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Mode::Login => "login",
            Mode::Admin => "admin",
            Mode::Unmapped => "unmapped",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum IdentityError {
    #[error(
        "login {login} is not linked to an invoicectl user, so it may not touch any organization's data: an administrator runs `invoicectl user link USER --login {login}`"
    )]
    Unmapped { login: String },
    #[error(
        "login {login} is linked to user {user} and cannot act as {asked}: drop --as (or INVOICECTL_USER, config `user`), or have an administrator grant {DELEGATE_ROLE} to {login}"
    )]
    NotDelegate {
        login: String,
        user: UserId,
        asked: UserId,
    },
    #[error(
        "{what} needs an admin login (superuser, the schema owner or a member of invoicectl_admin); login {login} is in mode {mode}"
    )]
    NotAdmin {
        what: &'static str,
        login: String,
        mode: Mode,
    },
    #[error(
        "no requester: pass --as USER, set INVOICECTL_USER, or set `user` in the config file (or link this login to a user: `invoicectl user link USER --login {login}`)"
    )]
    NoRequester { login: String },
    #[error("the database returned an unknown identity mode {0:?}: this is a bug in invoicectl")]
    BadMode(String),
    #[error("the database returned an invalid user id for login {0}: this is a bug in invoicectl")]
    BadUser(String),
    #[error("cannot tell who this session is")]
    Database(#[from] DbError),
}

impl Classify for IdentityError {
    fn exit_kind(&self) -> ExitKind {
        match self {
            IdentityError::Unmapped { .. }
            | IdentityError::NotDelegate { .. }
            | IdentityError::NotAdmin { .. } => ExitKind::PermissionDenied,
            IdentityError::NoRequester { .. } => ExitKind::Usage,
            IdentityError::BadMode(_) | IdentityError::BadUser(_) => ExitKind::Failure,
            IdentityError::Database(e) => e.exit_kind(),
        }
    }
}

/// The session, as the database sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub login: String,
    pub user: Option<UserId>,
    pub mode: Mode,
    pub groups: Vec<String>,
}

impl Session {
    /// Asks the database who this connection is.
    pub(crate) async fn load(conn: &mut PgConnection) -> Result<Session, IdentityError> {
        let row = db::identity::session(conn).await.map_err(DbError::from)?;
        let mode = match row.mode.as_str() {
            "login" => Mode::Login,
            "admin" => Mode::Admin,
            "unmapped" => Mode::Unmapped,
            other => return Err(IdentityError::BadMode(other.to_owned())),
        };
        let user = row
            .user_id
            .map(|u| UserId::parse(&u).map_err(|_| IdentityError::BadUser(row.login.clone())))
            .transpose()?;
        Ok(Session {
            login: row.login,
            user,
            mode,
            groups: row.groups,
        })
    }

    pub(crate) fn is_delegate(&self) -> bool {
        self.groups.iter().any(|g| g == DELEGATE_ROLE)
    }

    /// Refuses an unmapped login: for every command that touches tenant data.
    pub(crate) fn require_known(&self) -> Result<(), IdentityError> {
        match self.mode {
            Mode::Unmapped => Err(IdentityError::Unmapped {
                login: self.login.clone(),
            }),
            Mode::Login | Mode::Admin => Ok(()),
        }
    }

    /// Refuses anything but an admin login, naming `what` was asked.
    pub(crate) fn require_admin(&self, what: &'static str) -> Result<(), IdentityError> {
        match self.mode {
            Mode::Admin => Ok(()),
            mode => Err(IdentityError::NotAdmin {
                what,
                login: self.login.clone(),
                mode,
            }),
        }
    }

    /// The user a request is made for, from `asserted` (`--as`, INVOICECTL_USER or
    /// config `user`): a linked login's own user (another only for a delegate), an
    /// admin's assertion (or its own linked user), never an unmapped login.
    pub(crate) fn requester(&self, asserted: Option<UserId>) -> Result<UserId, IdentityError> {
        match (self.mode, &self.user, asserted) {
            (Mode::Unmapped, _, _) => Err(IdentityError::Unmapped {
                login: self.login.clone(),
            }),
            (Mode::Login, Some(own), None) => Ok(own.clone()),
            (Mode::Login, Some(own), Some(asked)) if &asked == own || self.is_delegate() => {
                Ok(asked)
            }
            (Mode::Login, Some(own), Some(asked)) => Err(IdentityError::NotDelegate {
                login: self.login.clone(),
                user: own.clone(),
                asked,
            }),
            (Mode::Login, None, _) => Err(IdentityError::BadUser(self.login.clone())),
            (Mode::Admin, _, Some(asked)) => Ok(asked),
            (Mode::Admin, Some(own), None) => Ok(own.clone()),
            (Mode::Admin, None, None) => Err(IdentityError::NoRequester {
                login: self.login.clone(),
            }),
        }
    }

    /// [`Session::requester`] where acting for nobody in particular is allowed: an
    /// admin-mode session with no user of its own and none asserted gives `None`
    /// (`export retry`: the original requester).
    pub fn actor(&self, asserted: Option<UserId>) -> Result<Option<UserId>, IdentityError> {
        match (self.mode, &self.user, &asserted) {
            (Mode::Admin, None, None) => Ok(None),
            _ => self.requester(asserted).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(mode: Mode, user: Option<&str>, groups: &[&str]) -> Session {
        Session {
            login: "someone".to_owned(),
            user: user.map(|u| UserId::parse(u).unwrap()),
            mode,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn the_requester_follows_the_mode() {
        let bob = session(Mode::Login, Some("user_bob"), &["invoicectl_operator"]);
        assert_eq!(bob.requester(None).unwrap(), user("user_bob"));
        assert_eq!(
            bob.requester(Some(user("user_bob"))).unwrap(),
            user("user_bob")
        );
        let err = bob.requester(Some(user("user_alice"))).unwrap_err();
        assert_eq!(err.exit_kind(), ExitKind::PermissionDenied);
        assert!(err.to_string().contains("invoicectl_delegate"), "{err}");

        let ci = session(Mode::Login, Some("user_ci"), &[DELEGATE_ROLE]);
        assert_eq!(
            ci.requester(Some(user("user_alice"))).unwrap(),
            user("user_alice")
        );

        let admin = session(Mode::Admin, None, &[]);
        assert_eq!(
            admin.requester(Some(user("user_alice"))).unwrap(),
            user("user_alice")
        );
        assert_eq!(
            admin.requester(None).unwrap_err().exit_kind(),
            ExitKind::Usage
        );

        let nobody = session(Mode::Unmapped, None, &[]);
        let err = nobody.requester(Some(user("user_alice"))).unwrap_err();
        assert_eq!(err.exit_kind(), ExitKind::PermissionDenied);
        assert!(
            err.to_string()
                .contains("invoicectl user link USER --login someone")
        );
        assert!(nobody.require_known().is_err() && bob.require_known().is_ok());
        assert!(bob.require_admin("x").is_err() && admin.require_admin("x").is_ok());
        assert_eq!(admin.actor(None).unwrap(), None);
        assert_eq!(bob.actor(None).unwrap(), Some(user("user_bob")));
        assert!(bob.actor(Some(user("user_alice"))).is_err());
    }
}
