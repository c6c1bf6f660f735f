"""Imports of rosters: upload, preview with every problem, then all-or-nothing apply.

The apply runs in the background (``services.jobs``); the browser follows it on a
progress page that polls a JSON status and shows the result, or why nothing was written.
"""

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
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..extensions import db
from ..messages import describe
from ..models import ImportRecord, Role
from ..services import exports, imports, jobs
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
        return upload()
    kind, filename, sha256 = form.kind.data, form.filename.data[:200], form.sha256.data
    arguments = {"kind": kind, "filename": filename, "data": stored.read_bytes(),
                 "actor_id": current_user.id}  # fmt: skip
    job_id = jobs.start(
        current_user.id, filename, "import", arguments, sha256=sha256,
        once_per=f"import:{current_user.id}:{kind}:{sha256}",  # a double click: one job
    )  # fmt: skip
    return redirect(url_for(".job", job_id=job_id), code=303)


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
    """An empty spreadsheet with the expected columns."""
    body = exports.to_xlsx({kind: [list(imports.KINDS[kind].columns)]})
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={kind}-template.xlsx"},
    )
