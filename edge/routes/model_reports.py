"""The files of a model version's evaluation report (plots and report.md), read from MODELS_DIR."""

from typing import Annotated

from fastapi import FastAPI, Path
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

from edge.access_control import ACCESS_REFUSALS, EdgeAccess
from edge.context import EdgeContext
from edge.report_files import REPORT_FILE_PATTERN, VERSION_PATTERN, media_type, report_file
from edge.rest_models import ErrorOut

# A version folder is written once by training and never changed.
CACHE_CONTROL = "public, max-age=3600"


def register(app: FastAPI, context: EdgeContext, access: EdgeAccess) -> None:
    @app.get(
        "/api/models/{version}/report/{file}",
        response_class=FileResponse,
        responses={
            **ACCESS_REFUSALS,
            200: {"content": {"image/png": {}, "text/markdown": {}}, "description": "The file."},
            404: {"model": ErrorOut, "description": "No such version or report file."},
            422: {"model": ErrorOut, "description": "A name not of the allowed form."},
        },
        summary="A file of a model version's evaluation report (e.g. roc.png, report.md)",
        tags=["scoring"],
        dependencies=access.own_route("GET", "/api/models/{version}/report/{file}"),
    )
    async def model_report_file(
        version: Annotated[str, Path(pattern=VERSION_PATTERN, description="The model version.")],
        file: Annotated[str, Path(pattern=REPORT_FILE_PATTERN, description="A .png plot or report.md.")],
    ) -> FileResponse:
        path = report_file(context.settings.models_dir, version, file)
        if path is None:
            raise HTTPException(404, f"model version {version!r} has no report file {file!r}")
        return FileResponse(path, media_type=media_type(path), headers={"Cache-Control": CACHE_CONTROL})
