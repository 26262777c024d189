"""The tax rule table: one row per jurisdiction and the date its rate applies from, with its source.

What the vendor sells is an auto-renewing subscription to downloadable security software
with online services, to consumers and businesses:

- EU member states: the standard VAT rate of the customer's member state, which applies to
  electronically supplied services to consumers (Directive 2006/112/EC, Art. 58; declared
  through the One-Stop Shop since 1 July 2021). No member state applies a reduced rate to
  software. Germany is here too (19 %).
- United Kingdom: 20 % (digital services to UK consumers are taxed where the consumer is).
- United States: the *state* sales tax rate, in the states listed below, which tax
  prewritten software delivered electronically or digital products sold to consumers.
  Local (county, city, district) rates are not added: a vendor who must collect them plugs
  in a tax provider (provider.py). Every state not listed, and the five without a sales
  tax (AK, DE, MT, NH, OR), is charged no tax.
- Anywhere else: no tax is charged.

A row applies from its date until the next row of the same jurisdiction (dates are days of
supply in UTC). Rates are percentages as exact decimals, never floats. Reviewed against the
sources in January 2026; a change of law is a new row with its date, never an edited one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TaxRule:
    jurisdiction: str  # ISO 3166-1 country ("DE"), or country-subdivision ("US-NY")
    rate: Decimal  # percent: Decimal("19") is 19 %
    applies_from: date
    source: str


def _row(jurisdiction: str, rate: str, applies_from: str, source: str) -> TaxRule:
    return TaxRule(jurisdiction, Decimal(rate), date.fromisoformat(applies_from), source)


EU_VAT = (
    _row("AT", "20", "1984-01-01", "AT UStG 1994 § 10 Abs. 1"),
    _row("BE", "21", "1996-01-01", "BE Code TVA art. 37; AR n° 20 art. 1"),
    _row("BG", "20", "1999-07-01", "BG ЗДДС (VAT Act) art. 66(1)"),
    _row("HR", "25", "2012-03-01", "HR Zakon o PDV (VAT Act) čl. 38 st. 1"),
    _row("CY", "19", "2014-01-13", "CY VAT Law 95(I)/2000 s. 19, Fifth Schedule"),
    _row("CZ", "21", "2013-01-01", "CZ Zákon č. 235/2004 Sb. § 47"),
    _row("DK", "25", "1992-01-01", "DK Momsloven § 33"),
    _row("EE", "20", "2009-07-01", "EE Käibemaksuseadus § 15(1)"),
    _row("EE", "22", "2024-01-01", "EE Käibemaksuseadus § 15(1), as amended from 1 Jan 2024"),
    _row("EE", "24", "2025-07-01", "EE Käibemaksuseadus § 15(1), as amended from 1 Jul 2025"),
    _row("FI", "24", "2013-01-01", "FI Arvonlisäverolaki 1501/1993 § 84"),
    _row("FI", "25.5", "2024-09-01", "FI Arvonlisäverolaki 1501/1993 § 84 (laki 475/2024)"),
    _row("FR", "20", "2014-01-01", "FR CGI art. 278"),
    _row("DE", "19", "2007-01-01", "DE UStG § 12 Abs. 1"),
    _row("DE", "16", "2020-07-01", "DE UStG § 28 Abs. 1 (Zweites Corona-Steuerhilfegesetz)"),
    _row("DE", "19", "2021-01-01", "DE UStG § 12 Abs. 1"),
    _row("GR", "24", "2016-06-01", "GR Κώδικας ΦΠΑ (VAT Code) art. 21, ν. 4389/2016"),
    _row("HU", "27", "2012-01-01", "HU 2007. évi CXXVII. törvény (Áfa tv.) 82. § (1)"),
    _row("IE", "23", "2012-01-01", "IE VAT Consolidation Act 2010 s. 46(1)(a)"),
    _row("IE", "21", "2020-09-01", "IE Finance (Covid-19 and Miscellaneous Provisions) Act 2020"),
    _row("IE", "23", "2021-03-01", "IE VAT Consolidation Act 2010 s. 46(1)(a)"),
    _row("IT", "22", "2013-10-01", "IT DPR 633/1972 art. 16"),
    _row("LV", "21", "2012-07-01", "LV Pievienotās vērtības nodokļa likums 41. pants"),
    _row("LT", "21", "2009-09-01", "LT PVM įstatymas 19 str. 1 d."),
    _row("LU", "17", "2015-01-01", "LU Loi TVA du 12 février 1979 art. 39"),
    _row("LU", "16", "2023-01-01", "LU Loi du 26 octobre 2022 (temporary rate for 2023)"),
    _row("LU", "17", "2024-01-01", "LU Loi TVA du 12 février 1979 art. 39"),
    _row("MT", "18", "2004-01-01", "MT VAT Act Cap. 406, Eighth Schedule"),
    _row("NL", "21", "2012-10-01", "NL Wet op de omzetbelasting 1968 art. 9 lid 1"),
    _row("PL", "23", "2011-01-01", "PL Ustawa o podatku od towarów i usług art. 146ef"),
    _row("PT", "23", "2011-01-01", "PT CIVA art. 18.º n.º 1 c) (mainland)"),
    _row("RO", "19", "2017-01-01", "RO Codul fiscal (Legea 227/2015) art. 291 alin. (1)"),
    _row("RO", "21", "2025-08-01", "RO Codul fiscal art. 291 alin. (1), Legea 141/2025"),
    _row("SK", "20", "2011-01-01", "SK Zákon č. 222/2004 Z. z. § 27"),
    _row("SK", "23", "2025-01-01", "SK Zákon č. 222/2004 Z. z. § 27 (zákon č. 278/2024 Z. z.)"),
    _row("SI", "22", "2013-07-01", "SI ZDDV-1 41. člen"),
    _row("ES", "21", "2012-09-01", "ES Ley 37/1992 del IVA art. 90"),
    _row("SE", "25", "1990-07-01", "SE Mervärdesskattelag (2023:200) 9 kap. 1 §"),
)

UK_VAT = (_row("GB", "20", "2011-01-04", "UK Value Added Tax Act 1994 s. 2(1)"),)

# States whose sales tax reaches prewritten software delivered electronically, or digital
# products, sold to consumers; the state rate only.
US_SALES_TAX = (
    _row("US-IN", "7", "2008-04-01", "Ind. Code §§ 6-2.5-2-2, 6-2.5-4-17"),
    _row("US-IA", "6", "2019-01-01", "Iowa Code §§ 423.2(1), 423.2(6)(ch) (SF 2417, 2018)"),
    _row("US-KS", "6.5", "2015-07-01", "Kan. Stat. §§ 79-3603(a), 79-3603(s)"),
    _row("US-KY", "6", "2018-07-01", "Ky. Rev. Stat. §§ 139.200, 139.010 (digital property)"),
    _row("US-LA", "5", "2025-01-01", "La. R.S. 47:302; 47:301 (Acts 5 and 11, 2024 3rd Ex. Sess.)"),
    _row("US-ME", "5.5", "2013-10-01", "36 M.R.S. §§ 1811, 1752(17) (digital products)"),
    _row("US-MD", "6", "2021-03-14", "Md. Code, Tax-Gen. §§ 11-104(a), 11-101(c-3)"),
    _row("US-MA", "6.25", "2009-08-01", "Mass. Gen. Laws c. 64H §§ 1-2; 830 CMR 64H.1.3"),
    _row("US-MN", "6.875", "2009-07-01", "Minn. Stat. §§ 297A.62, 297A.61 subd. 3"),
    _row("US-NE", "5.5", "2002-10-01", "Neb. Rev. Stat. §§ 77-2701.02, 77-2701.16"),
    _row("US-NJ", "6.625", "2018-01-01", "N.J.S.A. 54:32B-3(a), 54:32B-2"),
    _row("US-NM", "5", "2022-07-01", "N.M. Stat. § 7-9-4 (gross receipts tax, HB 163 of 2022)"),
    _row("US-NM", "4.875", "2023-07-01", "N.M. Stat. § 7-9-4 (gross receipts tax, HB 163 of 2022)"),
    _row("US-NY", "4", "2005-06-01", "N.Y. Tax Law §§ 1105(a), 1101(b)(6), 1101(b)(14)"),
    _row("US-PA", "6", "2016-08-01", "72 P.S. §§ 7202, 7201(m) (Act 84 of 2016)"),
    _row("US-RI", "7", "2018-10-01", "R.I. Gen. Laws §§ 44-18-18, 44-18-7.3"),
    _row("US-SD", "4.5", "2016-06-01", "S.D. Codified Laws §§ 10-45-2, 10-45-2.4"),
    _row("US-SD", "4.2", "2023-07-01", "S.D. Codified Laws § 10-45-2 (HB 1137 of 2023)"),
    _row("US-TN", "7", "2015-07-01", "Tenn. Code Ann. §§ 67-6-202, 67-6-231"),
    _row("US-TX", "6.25", "1990-07-01", "Tex. Tax Code §§ 151.051, 151.009"),
    _row("US-VT", "6", "2003-10-01", "32 V.S.A. §§ 9771, 9701(7)"),
    _row("US-WA", "6.5", "2009-07-26", "RCW 82.08.020, 82.04.192 (digital products)"),
    _row("US-WV", "6", "2003-07-01", "W. Va. Code §§ 11-15-3, 11-15-2"),
    _row("US-WI", "5", "2009-10-01", "Wis. Stat. §§ 77.52(1)(a), 77.52(1)(d)"),
)

RULES: tuple[TaxRule, ...] = EU_VAT + UK_VAT + US_SALES_TAX

EU_MEMBER_STATES = frozenset(rule.jurisdiction for rule in EU_VAT)
# Where the price a consumer sees must be the price they pay, tax included (the EU's
# Directive 98/6/EC, Art. 2(a); the UK's Consumer Protection from Unfair Trading Regulations):
# prices there are tax-inclusive, elsewhere tax is added to them.
TAX_INCLUSIVE_COUNTRIES = EU_MEMBER_STATES | {"GB"}
# Where a business customer with a valid VAT ID accounts for the VAT itself when the seller
# is established in another country (reverse charge: Directive 2006/112/EC, Art. 44 and 196;
# in the UK, VATA 1994 s. 8).
REVERSE_CHARGE_COUNTRIES = EU_MEMBER_STATES | {"GB"}
# Countries whose tax follows a subdivision (a US state), which an address there must name.
TAXED_BY_SUBDIVISION = frozenset({"US"})
