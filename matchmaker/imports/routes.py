"""Imports of rosters: upload, preview with every problem, then all-or-nothing apply."""

import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..extensions import db
from ..messages import describe
from ..models import ImportRecord, Role
from ..services import exports, imports
from ..web import restrict_to

bp = Blueprint("imports", __name__)
restrict_to(bp, Role.STAFF, Role.ADMIN)

KIND_LABELS = {
    "enterprises": _l("Enterprises"),
    "graduates": _l("Graduates and returnees"),
    "needs": _l("Talent needs"),
    "deputies": _l("Deputies (administrators only)"),
}
HASH = re.compile(r"^[0-9a-f]{64}$")


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), validators=[DataRequired()])
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = _allowed_kinds()
        self.kind.choices = [SelectChoice(k, KIND_LABELS[k]) for k in kinds]


class ApplyForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    sha256 = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import now"))


def _allowed_kinds() -> list[str]:
    kinds = list(KIND_LABELS)
    return kinds if current_user.role is Role.ADMIN else [k for k in kinds if k != "deputies"]


def _stash() -> Path:
    """Where a checked file waits for its confirmation (named by its SHA-256)."""
    configured = current_app.config.get("IMPORT_STASH_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.route("/", methods=["GET", "POST"])
def upload():
    """Upload a roster and see what it would do, with every problem listed."""
    form = UploadForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(imports.MAX_BYTES + 1)
        filename = form.file.data.filename or "upload"
        try:
            result = imports.preview(form.kind.data, filename, data)
        except imports.ImportFileError as error:
            form.file.errors = [describe(error.code, **error.params)]
        else:
            (_stash() / f"{result.sha256}.upload").write_bytes(data)
    apply_form = None
    if result is not None and result.ok:
        apply_form = ApplyForm(kind=result.kind, sha256=result.sha256, filename=result.filename)
    return render_template(
        "imports/upload.html", form=form, result=result, apply_form=apply_form,
        kinds=KIND_LABELS, columns={k: imports.KINDS[k].columns for k in _allowed_kinds()},
    )  # fmt: skip


@bp.route("/apply", methods=["POST"])
def apply():
    """Import a previewed file: everything in one transaction, or nothing."""
    form = ApplyForm()
    if not form.validate_on_submit() or not HASH.match(form.sha256.data or ""):
        abort(400)
    if form.kind.data not in _allowed_kinds():
        abort(403)
    stored = _stash() / f"{form.sha256.data}.upload"
    if not stored.exists():
        flash(_("The checked file is gone; upload it again."), "error")
        return upload()
    try:
        result = imports.preview(form.kind.data, form.filename.data, stored.read_bytes())
        outcome = imports.apply(result, current_user)
    except imports.ImportFileError as error:
        db.session.rollback()
        flash(describe(error.code, **error.params), "error")
        return render_template("imports/done.html", outcome=None, result=None)
    db.session.commit()
    stored.unlink(missing_ok=True)
    return render_template("imports/done.html", outcome=outcome, result=result)


@bp.route("/history")
def history():
    """Who imported which file, when, and what it did."""
    query = select(ImportRecord).order_by(ImportRecord.imported_at.desc()).limit(200)
    if current_user.role is Role.STAFF:
        query = query.where(ImportRecord.actor_id == current_user.id)
    return render_template(
        "imports/history.html", records=db.session.scalars(query).all(), kinds=KIND_LABELS
    )


@bp.route("/template/<any(enterprises, graduates, needs, deputies):kind>.xlsx")
def template(kind: str):
    """An empty spreadsheet with the expected columns."""
    body = exports.to_xlsx({kind: [list(imports.KINDS[kind].columns)]})
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={kind}-template.xlsx"},
    )
