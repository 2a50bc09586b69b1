# The people of the governance tests: a grid member earns, a grid admin reads the whole ledger
# and sets the rules, a subsidy checker holds no points permission.
from tests.governance.conftest import checker, grid, grid_admin, member  # noqa: F401
