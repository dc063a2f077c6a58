"""The currencies a retailer may keep its books in: ISO 4217's alphabetic codes.

Taken from the ISO 4217 list that Debian's iso-codes package ships (version 4.15.0,
/usr/share/iso-codes/json/iso_4217.json), without the codes that are no money a till takes:
funds and units of account (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW, XBA-XBD, XDR, XSU, XUA),
precious metals (XAG, XAU, XPD, XPT), the testing code XTS and "no currency" XXX. Kept here as
data rather than read from that file at run time, because a deployment need not have the package.
A code ISO adds later is added here by hand; a withdrawn one stays while a retailer may use it.
"""

CURRENCY_CODES: frozenset[str] = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO
NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV
WST XAF XCD XOF XPF YER ZAR ZMW ZWL
""".split()
)
