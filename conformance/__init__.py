"""kafka-rest-conformance: a black-box conformance suite for Kafka REST Proxy endpoints.

The public API is small on purpose: the command line (`kafka-rest-conformance`) is the product.
Modules meant for other code are listed here; everything else may change without notice.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
