//! Roles, workspaces and the permission matrix of REQUIREMENTS §2.

use serde::{Deserialize, Serialize};

/// One desktop workspace (window) per role family (R-D1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Workspace {
    Operator,
    Admin,
    Finance,
}

impl Workspace {
    pub const ALL: [Workspace; 3] = [Workspace::Operator, Workspace::Admin, Workspace::Finance];

    pub fn as_str(self) -> &'static str {
        match self {
            Workspace::Operator => "operator",
            Workspace::Admin => "admin",
            Workspace::Finance => "finance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// Every kind of account that logs into a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Role {
    Operator,
    SuperAdmin,
    Admin,
    Accountant,
    Manager,
    Auditor,
    Analyst,
}

/// What an action needs. The server checks these on every endpoint and sync scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Permission {
    /// Read and change one's own operator account, sites, requests (operator only).
    OperatorSelfService,
    ViewOperators,
    ManageOperators,
    ManageApiKeys,
    ManageApplications,
    DecideAuthorizationRequests,
    ManageAuthorizations,
    ViewAllTransactions,
    PublishAnnouncements,
    ViewGlobalStatistics,
    ManageStaff,
    ViewFinance,
    ReviewRefunds,
    ReviewInvoices,
    ExportReports,
    ViewAuditLog,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Operator,
        Role::SuperAdmin,
        Role::Admin,
        Role::Accountant,
        Role::Manager,
        Role::Auditor,
        Role::Analyst,
    ];
    pub const STAFF: [Role; 6] = [
        Role::SuperAdmin,
        Role::Admin,
        Role::Accountant,
        Role::Manager,
        Role::Auditor,
        Role::Analyst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::SuperAdmin => "super_admin",
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::Manager => "manager",
            Role::Auditor => "auditor",
            Role::Analyst => "analyst",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The one workspace this role may enter (analysts use the admin window, read-only).
    pub fn workspace(self) -> Workspace {
        match self {
            Role::Operator => Workspace::Operator,
            Role::SuperAdmin | Role::Admin | Role::Analyst => Workspace::Admin,
            Role::Accountant | Role::Manager | Role::Auditor => Workspace::Finance,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Operator => "运营商",
            Role::SuperAdmin => "超级管理员",
            Role::Admin => "管理员",
            Role::Accountant => "会计",
            Role::Manager => "财务经理",
            Role::Auditor => "审计员",
            Role::Analyst => "数据分析员",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Operator => &[OperatorSelfService],
            Role::SuperAdmin => &[
                ViewOperators,
                ManageOperators,
                ManageApiKeys,
                ManageApplications,
                DecideAuthorizationRequests,
                ManageAuthorizations,
                ViewAllTransactions,
                PublishAnnouncements,
                ViewGlobalStatistics,
                ManageStaff,
            ],
            Role::Admin => &[
                ViewOperators,
                ManageOperators,
                ManageApiKeys,
                ManageApplications,
                DecideAuthorizationRequests,
                ManageAuthorizations,
                ViewAllTransactions,
                PublishAnnouncements,
                ViewGlobalStatistics,
            ],
            Role::Analyst => &[ViewGlobalStatistics],
            Role::Accountant | Role::Manager => &[
                ViewFinance,
                ReviewRefunds,
                ReviewInvoices,
                ExportReports,
                ViewAuditLog,
            ],
            // An auditor reads everything in finance and approves nothing (R-F7).
            Role::Auditor => &[ViewFinance, ExportReports, ViewAuditLog],
        }
    }

    pub fn can(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }

    pub fn is_staff(self) -> bool {
        self != Role::Operator
    }
}

/// Operator tier (R-A1); recalculated monthly by spend (§9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Tier {
    Trial,
    Standard,
    Vip,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Trial => "trial",
            Tier::Standard => "standard",
            Tier::Vip => "vip",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Tier::Trial, Tier::Standard, Tier::Vip]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn each_role_enters_exactly_one_workspace() {
        assert_eq!(Role::Operator.workspace(), Workspace::Operator);
        for r in [Role::SuperAdmin, Role::Admin, Role::Analyst] {
            assert_eq!(r.workspace(), Workspace::Admin, "{r:?}");
        }
        for r in [Role::Accountant, Role::Manager, Role::Auditor] {
            assert_eq!(r.workspace(), Workspace::Finance, "{r:?}");
        }
    }

    #[test]
    fn operators_only_serve_themselves() {
        assert_eq!(Role::Operator.permissions(), &[OperatorSelfService]);
        for r in Role::STAFF {
            assert!(!r.can(OperatorSelfService), "{r:?}");
        }
    }

    #[test]
    fn admins_cannot_approve_money() {
        for r in [Role::SuperAdmin, Role::Admin, Role::Analyst] {
            assert!(!r.can(ReviewRefunds), "{r:?}");
            assert!(!r.can(ReviewInvoices), "{r:?}");
        }
    }

    #[test]
    fn auditors_read_but_never_approve() {
        assert!(Role::Auditor.can(ViewFinance));
        assert!(Role::Auditor.can(ViewAuditLog));
        assert!(!Role::Auditor.can(ReviewRefunds));
        assert!(!Role::Auditor.can(ReviewInvoices));
        assert!(Role::Accountant.can(ReviewRefunds));
        assert!(Role::Manager.can(ReviewInvoices));
    }

    #[test]
    fn analysts_see_only_statistics() {
        assert_eq!(Role::Analyst.permissions(), &[ViewGlobalStatistics]);
    }

    #[test]
    fn only_super_admin_manages_staff() {
        for r in Role::ALL {
            assert_eq!(r.can(ManageStaff), r == Role::SuperAdmin, "{r:?}");
        }
    }

    #[test]
    fn finance_roles_do_not_run_the_catalogue() {
        for r in [Role::Accountant, Role::Manager, Role::Auditor] {
            for p in [
                ManageApplications,
                ManageAuthorizations,
                DecideAuthorizationRequests,
            ] {
                assert!(!r.can(p), "{r:?} {p:?}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for w in Workspace::ALL {
            assert_eq!(Workspace::parse(w.as_str()), Some(w));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
