"""natograph: a reasoned knowledge graph of NATO operations, mandates, partners and summits."""

__version__ = "0.1.0"
