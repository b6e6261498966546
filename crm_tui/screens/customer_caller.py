"""The customer view's caller work, kept beside the view: verify a caller (`v`), unlock the verification
(supervisors, from the palette: ctrl+u), and the Social tab (8) whose delete key unlinks an account."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import TabbedContent

from crm_tui.i18n import N_, _
from crm_tui.present import day, words
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.verify_caller import VerificationOutcome, VerifyCallerModal
from crm_tui.services.identity.authentication import unlock_customer_authentication
from crm_tui.services.identity.sign_in_names import SocialAccountView, list_social_accounts, unlink_social_account
from crm_tui.widgets.tables import WorkbenchTable


class SocialAccountsTable(WorkbenchTable):
    """The customer's linked social accounts; delete unlinks the one under the cursor (after a confirmation)."""

    BINDINGS = [
        Binding(
            "delete",
            "screen.unlink_social",
            N_("Unlink"),
            tooltip=N_("unlink the selected social account (confirmed, audited)"),
            id="unlink-social",
        ),
    ]


class CallerActions:
    """Actions of the customer view (mixed into CustomerViewScreen, which holds their bindings)."""

    social_accounts: list[SocialAccountView] | None = None
    """The accounts shown on the Social tab, in its row order (None until loaded)."""
    detail: Any
    tab_label: Any
    customer_id: str
    workbench: Any
    app: Any
    call_service: Any
    query_one: Any
    notify: Any

    # -- verifying a caller (v), unlocking (ctrl+u, supervisors), social accounts (tab 8) ----------

    def action_verify_caller(self) -> None:
        """The service password (or the security answer) in a modal; the outcome lands on the interactions."""
        app = self.workbench
        modal = VerifyCallerModal(
            customer_id=self.customer_id, name=self.detail.name, services=app.services, actor=app.actor
        )
        self.app.push_screen(modal, self._verified)

    def _verified(self, outcome: VerificationOutcome | None) -> None:
        if outcome is None or not outcome.attempts:
            return
        if outcome.verified:
            self.notify(_("Verified by {how}.").format(how=outcome.how), title=_("Caller verified"))
        self.workbench.open_customer(self.customer_id, key_kind=None, record=False)

    def action_unlock_verification(self) -> None:
        """Supervisors, having seen the document: the caller may try the password again."""
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id
        region = services.settings.default_region
        self.call_service(
            lambda: unlock_customer_authentication(customer_id, uow=services.writer(), actor=actor, region=region),
            self._unlocked,
            group="unlock-verification",
            description=_("Unlock the caller verification"),
        )

    def _unlocked(self, _customer_id: str) -> None:
        self.notify(_("The caller can try the service password again."), title=_("Verification unlocked"))
        self.workbench.open_customer(self.customer_id, key_kind=None, record=False)

    def _load_social(self) -> None:
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id
        self.call_service(
            lambda: list_social_accounts(customer_id, uow=services.reader(), actor=actor),
            self._show_social,
            group="social-accounts",
            description=_("Load the social accounts"),
        )

    def _show_social(self, accounts: list[SocialAccountView]) -> None:
        self.social_accounts = accounts
        table = self.query_one("#table-social", SocialAccountsTable)
        table.clear()
        for account in accounts:
            table.add_row(words(account.provider), account.subject, day(account.linked_at.date()))
        self.query_one(TabbedContent).get_tab("tab-social").label = self.tab_label(N_("Social"), len(accounts))

    def action_unlink_social(self) -> None:
        """Unlink the social account under the cursor, once confirmed."""
        accounts = self.social_accounts or []
        table = self.query_one("#table-social", SocialAccountsTable)
        if not accounts or table.cursor_row < 0:
            self.notify(_("No social account is linked."), title=_("Nothing to unlink"))
            return
        account = accounts[min(table.cursor_row, len(accounts) - 1)]
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            self.call_service(
                lambda: unlink_social_account(
                    customer_id, account.provider, account.subject, uow=services.writer(), actor=actor
                ),
                self._unlinked,
                group="social-accounts",
                description=_("Unlink a social account"),
            )

        self.app.push_screen(
            ConfirmModal(
                _("Unlink {provider} {subject}").format(provider=words(account.provider), subject=account.subject),
                [
                    _("{name} can no longer be found or sign in by this {provider} account").format(
                        name=self.detail.name, provider=words(account.provider)
                    ),
                    _("The change is audited; linking it again needs a registration or profile edit"),
                ],
                confirm_label=_("Unlink"),
            ),
            confirmed,
        )

    def _unlinked(self, accounts: list[SocialAccountView]) -> None:
        self._show_social(accounts)
        self.notify(_("Social account unlinked."), title=_("Unlinked"))
        self.query_one("#table-social").focus()
