"""Loading and validating machine configurations; well-known settings such as ports.

``load_file`` reads YAML/JSON safely, ``parse_machine_config`` turns data into the normalized
``MachineConfig`` (raising ``ConfigurationError`` with every problem), ``validate_config`` lists
the problems instead. The contracts models are imported only when these functions run.
"""

from pystator.config.loading import MAX_DEPTH, MAX_FILE_BYTES, load_file, load_json, load_yaml
from pystator.config.parsing import load_machine_config, parse_machine_config, validate_config

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "load_file",
    "load_json",
    "load_machine_config",
    "load_yaml",
    "parse_machine_config",
    "validate_config",
]
