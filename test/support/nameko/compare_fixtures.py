"""Compares regenerated wire fixtures with the committed ones, file by file, ignoring the values
placeholders stand for (their `example`s differ on every capture).

    python3 test/support/nameko/compare_fixtures.py NEW_DIR [GOLDEN_DIR]

Every file of NEW_DIR is compared with the file of the same name in GOLDEN_DIR (default: the
committed test/fixtures/nameko-wire). Per file it prints one of:

- `identical`: the same text once the examples are blanked;
- `formatting`: the same JSON, laid out differently;
- `differs`: then each JSON path whose value differs, golden value first.

It also names the golden files NEW_DIR has no counterpart for. Exits with 1 if any file differs.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GOLDEN_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "nameko-wire"))

# `"example": "<value>"` in a placeholder entry; examples are uuids or hex addresses, no quotes.
EXAMPLE = re.compile(r'("example": )"[^"]*"')


def compare_dirs(new_dir, golden_dir):
    """Prints the comparison; returns True when every file of new_dir matches."""
    new_files = sorted(name for name in os.listdir(new_dir) if name.endswith(".json"))
    all_match = True
    for name in new_files:
        status, details = compare_file(os.path.join(new_dir, name), os.path.join(golden_dir, name))
        print("{:<12} {}".format(status, name))
        for line in details:
            print("    " + line)
        all_match = all_match and status == "identical"
    not_covered = sorted(
        name for name in os.listdir(golden_dir) if name.endswith(".json") and name not in new_files
    )
    if not_covered:
        print("not regenerated: " + ", ".join(not_covered))
    return all_match


def compare_file(new_path, golden_path):
    """(status, detail lines) for one fixture file."""
    if not os.path.exists(golden_path):
        return "new", ["no committed file of this name"]
    new_text, golden_text = read(new_path), read(golden_path)
    if blank_examples(new_text) == blank_examples(golden_text):
        return "identical", []
    new, golden = without_examples(json.loads(new_text)), without_examples(json.loads(golden_text))
    differences = list(diff(golden, new, "$"))
    if not differences:
        return "formatting", ["same JSON, different layout"]
    return "differs", differences


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def blank_examples(text):
    return EXAMPLE.sub(r'\1"..."', text)


def without_examples(fixture):
    for entry in fixture.get("placeholders", {}).values():
        entry.pop("example", None)
    return fixture


def diff(golden, new, path):
    """Yields "path: golden -> new" for each differing value (dict keys in either order)."""
    if isinstance(golden, dict) and isinstance(new, dict):
        for key in list(golden) + [k for k in new if k not in golden]:
            if key not in new:
                yield "{}.{}: only in the committed file".format(path, key)
            elif key not in golden:
                yield "{}.{}: only in the new file".format(path, key)
            else:
                yield from diff(golden[key], new[key], "{}.{}".format(path, key))
        if [k for k in golden if k in new] != [k for k in new if k in golden]:
            yield "{}: keys in another order".format(path)
    elif isinstance(golden, list) and isinstance(new, list) and len(golden) == len(new):
        for i, (g, n) in enumerate(zip(golden, new)):
            yield from diff(g, n, "{}[{}]".format(path, i))
    elif golden != new or type(golden) is not type(new):
        yield "{}: {} -> {}".format(path, as_json(golden), as_json(new))


def as_json(value):
    return json.dumps(value, ensure_ascii=False)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    golden_dir = sys.argv[2] if len(sys.argv) == 3 else DEFAULT_GOLDEN_DIR
    return 0 if compare_dirs(sys.argv[1], golden_dir) else 1


if __name__ == "__main__":
    sys.exit(main())
