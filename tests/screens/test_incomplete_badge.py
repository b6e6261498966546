"""An incomplete legacy record (issue 14.5) says so at the top of the customer view."""

from __future__ import annotations

from sqlalchemy import update

from crm_tui.storage.models.customers import Customer
from tests.screens.test_profile_edit_screen import SIZE, marta, open_view  # noqa: F401 - marta is a fixture


async def test_the_view_shows_the_incomplete_badge(make_app, services, csr, marta):  # noqa: F811
    with services.writer() as uow:
        uow.session.execute(update(Customer).where(Customer.customer_id == marta).values(incomplete=True))
        uow.commit()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, marta)
        assert "INCOMPLETE: NO BIRTHDAY" in [str(badge.render()) for badge in view.query(".badge")]
