"""Make Gradio 6.31's MCP server accept tools that take several files (``gr.File(file_count="multiple")``).

Two Gradio bugs make every call to such a tool fail: the tool's schema keeps ``"$ref": "#/$defs/FileData"``
for each file after turning it into a URL string, a reference that points nowhere, so the MCP server rejects
the call ("PointerToNowhere"); and the files' position is recorded as ``[name, "items"]``, which matches no
list index, so the URLs reach the app as plain strings (a ValidationError). Both are mended here, around
Gradio's own functions; a Gradio without these functions is left alone.
"""

from __future__ import annotations

from typing import Any


def _drop_dangling_file_refs(node: Any) -> None:
    if isinstance(node, dict):
        if str(node.get("format", "")).startswith("Gradio File Input"):
            node.pop("$ref", None)
        for value in node.values():
            _drop_dangling_file_refs(value)
    elif isinstance(node, list):
        for value in node:
            _drop_dangling_file_refs(value)


def _expand_list_positions(arguments: Any, positions: list[list]) -> list[list]:
    """``[name, "items"]`` becomes ``[name, 0], [name, 1], ...`` for the list the client sent."""
    out = []
    for pos in positions:
        if len(pos) == 2 and pos[1] == "items" and isinstance(arguments, dict):
            out += [[pos[0], i] for i in range(len(arguments.get(pos[0]) or []))]
        else:
            out.append(pos)
    return out


def accept_file_lists() -> None:
    try:
        from gradio.mcp import GradioMCPServer
    except ImportError:  # gradio without the mcp extra: no MCP server to mend
        return
    if getattr(GradioMCPServer, "_accepts_file_lists", False):
        return
    simplify = GradioMCPServer.simplify_filedata_schema
    convert = GradioMCPServer.convert_strings_to_filedata

    def simplify_filedata_schema(self, schema):
        simplified, positions = simplify(self, schema)
        _drop_dangling_file_refs(simplified)
        return simplified, positions

    def convert_strings_to_filedata(self, value, filedata_positions):
        return convert(self, value, _expand_list_positions(value, filedata_positions))

    GradioMCPServer.simplify_filedata_schema = simplify_filedata_schema
    GradioMCPServer.convert_strings_to_filedata = convert_strings_to_filedata
    GradioMCPServer._accepts_file_lists = True
