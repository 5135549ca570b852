"""Builders of adversarial markdown, shared by tests/test_render_limits.py and
benchmarks/render_adversarial.py. Plain Python: each returns about `size` characters."""


def repeat(unit, size):
    return (unit * (size // len(unit) + 1))[:size]


def nested(opening, middle, closing, size):
    count = max(1, (size - len(middle)) // (len(opening) + len(closing)))
    return opening * count + middle + closing * count


def indented_list(size):
    lines, index = [], 0
    while sum(map(len, lines)) < size:
        lines.append("  " * index + "- x\n")
        index += 1
    return "".join(lines)


def wide_table(size):
    columns = size // 6
    return "|x" * columns + "|\n" + "|-" * columns + "|\n" + "x\n" * columns
