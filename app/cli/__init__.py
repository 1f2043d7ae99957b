"""Command-line groups: `flask portal …`, `flask referentials …`, `flask demo …`, `flask lheo …`,
`flask workflow …`, `flask jobs …`, `flask links …`."""
from .demo import demo_cli
from .jobs import jobs_cli
from .lheo import lheo_cli
from .links import links_cli
from .portal import portal_cli, referentials_cli
from .workflow import workflow_cli

__all__ = ["demo_cli", "jobs_cli", "lheo_cli", "links_cli", "portal_cli", "referentials_cli", "workflow_cli"]
