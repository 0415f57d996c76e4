"""The native module of triad (python/src/lib.rs); use the package `triad` instead."""

from os import PathLike
from typing import Any, Dict, List, Optional, Tuple, Union

__version__: str

class ScenarioError(ValueError):
    file: str
    line: int
    column: int
    message: str
    problems: List[Tuple[str, int, int, str]]

class TriadError(RuntimeError): ...

_Path = Union[str, PathLike[str]]

def check(name: str, text: str, sets: List[str], policy: Optional[str] = None) -> Dict[str, Any]: ...
def run(
    name: str, text: str, sets: List[str], policy: Optional[str] = None, seed: Optional[int] = None
) -> Dict[str, Any]: ...
def sweep(
    file: _Path, threads: Optional[int] = None, out: Optional[_Path] = None, sets: List[str] = ...,
    force: bool = False, progress: bool = False,
) -> Tuple[str, Optional[str]]: ...
def sweep_text(
    text: str, name: _Path, base_dir: _Path, threads: Optional[int] = None,
    out: Optional[_Path] = None, sets: List[str] = ..., force: bool = False,
    progress: bool = False,
) -> Tuple[str, Optional[str]]: ...
def toml_text(d: Dict[str, Any]) -> str: ...
def sensitivity(
    file: _Path, threads: Optional[int] = None, out: Optional[_Path] = None, sets: List[str] = ...,
    force: bool = False, progress: bool = False,
) -> Tuple[str, Optional[str]]: ...
def calibrate(
    file: _Path, threads: Optional[int] = None, out: Optional[_Path] = None, seed: int = 1,
    sets: List[str] = ..., force: bool = False, progress: bool = False,
) -> str: ...
def optimize(
    file: _Path, threads: Optional[int] = None, out: Optional[_Path] = None, sets: List[str] = ...,
    force: bool = False, progress: bool = False,
) -> str: ...
def check_claim(
    id: str, file: Optional[_Path] = None, sets: List[str] = ..., quick: bool = False, seed: int = 1
) -> Dict[str, Any]: ...
def policies() -> List[Dict[str, Any]]: ...
