#!/usr/bin/env python3
# embed-text.py INPUT OUTPUT SYMBOL: writes a C file defining
# `const char SYMBOL[]` with INPUT's bytes, so a schema ships inside the
# binary that validates with it.
import sys

src, dst, symbol = sys.argv[1:4]
data = open(src, "rb").read()
with open(dst, "w") as out:
    out.write("/* Generated from %s by build-aux/embed-text.py; do not edit. */\n" % src.split("/")[-1])
    out.write("const char %s[] = {\n" % symbol)
    for i in range(0, len(data), 16):
        out.write("  " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
    out.write("  0x00\n};\n")
