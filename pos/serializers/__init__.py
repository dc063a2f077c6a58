"""The API's serializers: what the till sends (inputs.py) and what it gets back (outputs.py)."""

from pos.serializers.inputs import (  # noqa: F401
    ClientIdSerializer,
    CustomerCreateInSerializer,
    DecimalStringField,
    GiftLoadInSerializer,
    PointsAdjustmentInSerializer,
    PricesInSerializer,
    RedeemableInSerializer,
    ReturnInSerializer,
    SaleInSerializer,
)
from pos.serializers.outputs import (  # noqa: F401
    CardOutSerializer,
    CustomerOutSerializer,
    ErrorSerializer,
    GiftOutSerializer,
    PointsAdjustmentOutSerializer,
    PricesOutSerializer,
    PricesWithCouponOutSerializer,
    RedeemableOutSerializer,
    ReturnOutSerializer,
    SaleOutSerializer,
)
