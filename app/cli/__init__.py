"""Command-line groups: `flask portal …`, `flask referentials …`, `flask demo …`, `flask lheo …`,
`flask workflow …`."""
from .demo import demo_cli
from .lheo import lheo_cli
from .portal import portal_cli, referentials_cli
from .workflow import workflow_cli

__all__ = ["demo_cli", "lheo_cli", "portal_cli", "referentials_cli", "workflow_cli"]
