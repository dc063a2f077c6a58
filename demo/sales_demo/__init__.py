"""Two years of sales for the demo retailer: the catalogue (catalogue.py), who buys what and when
(planning.py), and registering the sales and returns (history.py)."""

from demo.sales_demo.catalogue import DemoCatalogue, demo_catalogue_create  # noqa: F401
from demo.sales_demo.history import DemoSalesSummary, demo_sales_create  # noqa: F401
from demo.sales_demo.planning import DAYS, PlannedSale, season_factor  # noqa: F401
