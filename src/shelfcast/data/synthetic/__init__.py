"""The synthetic chain generator; the public face is ``shelfcast.data.generate``."""

from shelfcast.data.synthetic.chain import generate_chain, write_chain

__all__ = ["generate_chain", "write_chain"]
