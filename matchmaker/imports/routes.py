"""Imports of rosters: upload, match the columns, preview with every problem, then
all-or-nothing apply.

After the upload the staff member sees each column of the file with the field it was
matched to (by name, or as the station mapped a file of this shape before) and may
change any; the preview below it is made with that mapping, once every required field
has a column.

The apply runs in the background (``services.jobs``); the browser follows it on a
progress page that polls a JSON status and shows the result, or why nothing was written.
"""

import hashlib
import json
import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import FieldList, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..extensions import db
from ..messages import describe
from ..models import ImportRecord, Role
from ..services import imports, jobs, roster_template, rosters
from ..web import restrict_to

bp = Blueprint("imports", __name__)
restrict_to(bp, Role.STAFF, Role.ADMIN)

KIND_LABELS = {
    "enterprises": _l("Enterprises"),
    "graduates": _l("Graduates and returnees"),
    "needs": _l("Talent needs"),
    "deputies": _l("Deputies (administrators only)"),
}
#: How much of the first row's cell the column step shows beside each column.
SAMPLE_LENGTH = 40
HASH = re.compile(r"^[0-9a-f]{64}$")
JOB_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: What a running import is doing, without and with its count.
PHASES = {
    "queued": (_l("Waiting for an earlier import to finish"), None),
    "running": (_l("Starting"), None),
    "checking": (_l("Checking rows"), _l("Checking rows: %(done)s of %(total)s")),
    "writing": (_l("Writing rows"), _l("Writing rows: %(done)s of %(total)s")),
    "matching": (
        _l("Generating suggestions"),
        _l("Generating suggestions: %(done)s of %(total)s"),
    ),
    "saving": (_l("Saving"), None),
}
STEPS = ("checking", "writing", "matching")
FAILURES = {
    "internal": _l(
        "The import failed on the server. Try again; if it fails again, tell the administrator."
    ),
    "stalled": _l(
        "The import stopped without finishing (the server may have restarted)."
        " Look at the import history before importing the file again."
    ),
}


@bp.url_value_preprocessor
def _read_beside_a_running_import(endpoint, values):
    """Pages here only read the database: an import is written by its background job.

    On SQLite that job holds the write lock until it commits, and a transaction that
    begins IMMEDIATE (the default) would queue behind it, then fail after the busy
    timeout. So these requests begin DEFERRED, as WAL readers, and are answered at once
    while an import runs: its progress, a second file's preview, the history.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "DEFERRED"})


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), validators=[DataRequired()])
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = _allowed_kinds()
        self.kind.choices = [SelectChoice(k, KIND_LABELS[k]) for k in kinds]


class MappingForm(FlaskForm):
    """One choice of field per column of the checked file."""

    kind = HiddenField(validators=[DataRequired()])
    sha256 = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])
    columns = FieldList(SelectField(), max_entries=rosters.MAX_COLUMNS)
    submit = SubmitField(_l("Check again with these columns"))

    def offer(self, kind: str, header: list[str]) -> None:
        """The fields of ``kind`` (and "ignore") as each column's choices, labelled."""
        choices = [SelectChoice(rosters.IGNORE, _("— ignore this column —"))]
        required = imports.REQUIRED[kind]
        for field in rosters.fields(kind):
            label = f"{field} *" if field in required else field
            choices.append(SelectChoice(field, label))
        names = [name[:60] or _("(column without a name)") for name in header]
        for index, entry in enumerate(self.columns.entries):
            entry.choices = choices  # an entry past the file's columns too: refused later
            entry.label.text = names[index] if index < len(names) else ""


class ApplyForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    sha256 = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])
    mapping = HiddenField()  # the columns' fields as JSON; empty: matched by name
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
    """Upload a roster and see its columns matched to fields and, once every required
    field has a column, what it would do, with every problem listed."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form)
    data = form.file.data.read(imports.MAX_BYTES + 1)
    filename = (form.file.data.filename or "upload")[:200]
    try:
        sheet = rosters.read_sheet(filename, data)
    except imports.ImportFileError as error:
        form.file.errors = [describe(error.code, **error.params)]
        return _page(form)
    sha256 = hashlib.sha256(data).hexdigest()
    (_stash() / f"{sha256}.upload").write_bytes(data)
    kind = form.kind.data
    mapping, remembered = rosters.recall(current_user.station_id, kind, sheet.header)
    return _checked(form, kind, sha256, filename, data, sheet, mapping, remembered)


@bp.route("/columns", methods=["POST"])
def columns():
    """Check the uploaded file again with the columns as the staff member matched them,
    and remember that mapping for the station's next file of this shape."""
    form = MappingForm()
    kind, sha256 = form.kind.data, form.sha256.data or ""
    if kind not in KIND_LABELS or not HASH.match(sha256):
        abort(400)
    if kind not in _allowed_kinds():
        abort(403)
    stored = _stash() / f"{sha256}.upload"
    if not stored.exists():
        flash(_("The checked file is gone; upload it again."), "error")
        return redirect(url_for(".upload"))
    filename, data = (form.filename.data or "upload")[:200], stored.read_bytes()
    try:
        sheet = rosters.read_sheet(filename, data)  # it was read at the upload
    except imports.ImportFileError:
        abort(400)  # only a changed file name makes it unreadable now
    header = sheet.header
    form.offer(kind, header)
    if not form.validate_on_submit():
        abort(400)
    mapping = [entry.data or rosters.IGNORE for entry in form.columns.entries]
    if not rosters.valid(kind, mapping, header):
        abort(400)
    complete = not rosters.twice(mapping) and not rosters.missing(
        kind, mapping, imports.REQUIRED[kind]
    )
    if complete:
        _remember(kind, header, mapping)
    upload_form = UploadForm(formdata=None, kind=kind)
    return _checked(upload_form, kind, sha256, filename, data, sheet, mapping, complete)


def _remember(kind: str, header: list[str], mapping: list[str]) -> None:
    """Keep the station's mapping; an import running meanwhile may hold the write lock,
    and the mapping is remembered again when the file is imported, so a refusal is let go."""
    try:
        rosters.remember(current_user.station_id, kind, header, mapping)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()


def _checked(form, kind, sha256, filename, data, sheet, mapping, remembered):
    """The columns step for a stashed file and, when its mapping is complete, the preview."""
    mapping_form = MappingForm(formdata=None, kind=kind, sha256=sha256, filename=filename,
                               columns=mapping)  # fmt: skip
    mapping_form.offer(kind, sheet.header)
    first = sheet.rows[0][1] if sheet.rows else []
    samples = [cell[:SAMPLE_LENGTH] for cell in first]  # what a column holds helps choose
    result, apply_form = None, None
    try:
        result = imports.preview(kind, filename, data, mapping=mapping)
    except imports.ImportFileError as error:
        code = "fields_unmapped" if error.code == "columns_missing" else error.code
        mapping_form.form_errors.append(describe(code, **error.params))
    if result is not None and result.ok:
        apply_form = ApplyForm(kind=kind, sha256=sha256, filename=filename,
                               mapping=json.dumps(mapping, ensure_ascii=False))  # fmt: skip
    return _page(form, mapping_form=mapping_form, remembered=remembered, result=result,
                 apply_form=apply_form, samples=samples)  # fmt: skip


def _page(form, **shown):
    """The import page: the upload form, and what the file's check has to show."""
    return render_template(
        "imports/upload.html", form=form, kinds=KIND_LABELS,
        columns={k: imports.KINDS[k].columns for k in _allowed_kinds()},
        required=imports.REQUIRED, **shown,
    )  # fmt: skip


@bp.route("/apply", methods=["POST"])
def apply():
    """Start importing a previewed file (everything in one transaction, or nothing) and
    follow it on its progress page."""
    form = ApplyForm()
    if not form.validate_on_submit() or not HASH.match(form.sha256.data or ""):
        abort(400)
    if form.kind.data not in _allowed_kinds():
        abort(403)
    stored = _stash() / f"{form.sha256.data}.upload"
    if not stored.exists():
        flash(_("The checked file is gone; upload it again."), "error")
        return redirect(url_for(".upload"))
    kind, filename, sha256 = form.kind.data, form.filename.data[:200], form.sha256.data
    arguments = {"kind": kind, "filename": filename, "data": stored.read_bytes(),
                 "actor_id": current_user.id, "mapping": _mapping(form)}  # fmt: skip
    job_id = jobs.start(
        current_user.id, filename, "import", arguments, sha256=sha256,
        once_per=f"import:{current_user.id}:{kind}:{sha256}",  # a double click: one job
    )  # fmt: skip
    return redirect(url_for(".job", job_id=job_id), code=303)


def _mapping(form: ApplyForm) -> list[str] | None:
    """The confirmed columns' fields, or None to match them by name; 400 if malformed
    (the job checks them against the file again)."""
    if not form.mapping.data:
        return None
    try:
        mapping = json.loads(form.mapping.data)
    except ValueError:
        abort(400)
    if not isinstance(mapping, list) or not all(isinstance(f, str) for f in mapping):
        abort(400)
    return mapping


def _own_job_or_404(job_id: str) -> dict:
    """The job's status, for the user who started it or an administrator; else 404."""
    status = jobs.load(job_id) if JOB_ID.match(job_id) else None
    mine = status is not None and status["owner"] == current_user.id
    if not mine and (status is None or current_user.role is not Role.ADMIN):
        abort(404)
    return status


def _progress(status: dict) -> dict:
    """What the progress page and the status poll show: phase, counts, step."""
    done, total, phase = status["done"], status["total"], status["phase"]
    plain, counted = PHASES.get(phase, PHASES["running"])
    label = counted % {"done": done, "total": total} if counted and total else plain
    step = STEPS.index(phase) + 1 if phase in STEPS else None
    return {
        "state": status["state"], "phase": phase, "done": done, "total": total,
        "label": str(label), "finished": status["state"] in jobs.FINISHED,
        "step": _("Step %(n)s of %(of)s", n=step, of=len(STEPS)) if step else "",
    }  # fmt: skip


@bp.route("/jobs/<job_id>")
def job(job_id: str):
    """A running import's progress; once it is over, its result or why it failed."""
    status = _own_job_or_404(job_id)
    if status["state"] == "done":
        return _finished(status)
    if status["state"] == "failed":
        error = status["error"]
        code = error["code"]
        reason = FAILURES[code] if code in FAILURES else describe(code, **error["params"])
        return render_template(
            "imports/done.html", failed=str(reason), uncertain=code == "stalled", job=status
        )
    return render_template("imports/job.html", job=status, progress=_progress(status))


def _finished(status: dict):
    passwords = jobs.take_once(status["id"]) if status["owner"] == current_user.id else None
    (_stash() / f"{status['sha256']}.upload").unlink(missing_ok=True)
    return render_template(
        "imports/done.html", result=status["result"], passwords=passwords, job=status
    )


@bp.route("/jobs/<job_id>/status")
def job_status(job_id: str):
    """The progress as JSON, polled by the progress page."""
    return jsonify(_progress(_own_job_or_404(job_id)))


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
    """A spreadsheet to fill in: the columns, an example row, drop-downs, instructions."""
    body = roster_template.workbook(kind)
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={kind}-template.xlsx"},
    )
