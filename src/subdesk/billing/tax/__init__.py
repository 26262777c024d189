"""Taxes: the rule table, a price's net/tax/gross, VAT IDs, providers and the tax of a charge.

table.py      the rates, one row per jurisdiction and date, each with its source
rules.py      pure: which rule applies, reverse charge, rounding, the breakdown
vat_ids.py    VAT ID checks (python-stdnum)
provider.py   the TaxProvider interface; the table is the default (SUBDESK_TAX_PROVIDER)
charge.py     tax_for_charge(): the customer's jurisdiction and evidence, recorded
"""
