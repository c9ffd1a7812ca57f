#!/usr/bin/env python3
"""Checks deploy/docker/Dockerfile against what this machine (Debian bookworm, like the image's
stages) says, since no Docker engine is here to build it:

  check_dockerfile.py BINARY DOCKERFILE SETUP [--dlopen SONAME]... [PLUGIN...]

1. The runtime stage installs exactly the Debian packages that own the shared libraries BINARY
   (a tidal built here) and each PLUGIN (tidal-external-grpc.so, which tidal loads at run time)
   link directly (DT_NEEDED, resolved with ldd, owner from dpkg -S), and each SONAME tidal opens
   itself with dlopen() (libpq.so.5, resolved with ldconfig -p), minus
   what debian:bookworm-slim already has (libc6, libstdc++6, libgcc-s1) and the sanitizer
   runtimes of ASan builds; ca-certificates and tzdata are allowed besides.
2. The build stage installs every -dev and *-compiler* package of scripts/setup (except the clang/libFuzzer
   ones, which only the fuzz preset uses), so `cmake --preset release` finds what CMake requires.
3. The runtime stage runs as a non-root USER and its ENTRYPOINT is `tidal operator`.
4. The runtime stage copies each PLUGIN to /usr/local/lib/tidal/, where a tidal in
   /usr/local/bin looks for it (<its directory>/../lib/tidal).
Prints what differs and exits 1 on any difference.
"""
import json
import os
import re
import subprocess
import sys

BASE = {"libc6", "libstdc++6", "libgcc-s1"}
SANITIZER = {"libasan8", "libubsan1", "liblsan0", "libtsan2"}
RUNTIME_EXTRA = {"ca-certificates", "tzdata"}
SETUP_NOT_IN_IMAGE = {"libclang-rt-14-dev", "libfuzzer-14-dev"}


def stages(text):
    """[(FROM line, [logical lines])] with backslash continuations joined."""
    logical, cur = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        if cur.strip():
            logical.append(cur.strip())
        cur = ""
    out = []
    for line in logical:
        if line.upper().startswith("FROM "):
            out.append((line, []))
        elif out:
            out[-1][1].append(line)
    return out


def apt_packages(lines):
    pkgs = set()
    for line in lines:
        for m in re.finditer(r"apt-get install((?:\s+[^&;]+))", line):
            for word in m.group(1).split():
                if not word.startswith("-"):
                    pkgs.add(word)
    return pkgs


def candidates(path):
    """The path, its resolved form, and each with and without /usr (merged-/usr systems record
    either in dpkg's database)."""
    out = []
    for p in (path, os.path.realpath(path)):
        out.append(p)
        if p.startswith("/usr/lib/"):
            out.append(p[len("/usr"):])
        elif p.startswith("/lib/"):
            out.append("/usr" + p)
    return out


def owners(paths):
    """{path: package} for every path dpkg knows, in one dpkg -S call."""
    r = subprocess.run(["dpkg", "-S", *paths], capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        pkgs, _, path = line.partition(": ")
        if path:
            found[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
    return found


def packages_of(libs, where, unowned):
    """{package: [lib]} for each of `libs` found at where[lib], with a problem (unowned(lib, path))
    for each no Debian package owns."""
    found = owners(sorted({c for lib in libs if lib in where for c in candidates(where[lib])}))
    pkgs, problems = {}, []
    for lib in libs:
        path = where.get(lib)
        pkg = next((found[c] for c in candidates(path) if c in found), None) if path else None
        if pkg is None:
            problems.append(unowned(lib, path))
        else:
            pkgs.setdefault(pkg, []).append(lib)
    return pkgs, problems


def needed_packages(binary):
    elf = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", elf.stdout)
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    where = {}
    for line in ldd.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m:
            where[m.group(1)] = m.group(2)
        m = re.match(r"\s*(/\S+) \(0x", line)  # the dynamic loader, listed by its path
        if m:
            where.setdefault(os.path.basename(m.group(1)), m.group(1))
    return packages_of(needed, where, lambda lib, path: f"{lib}: no Debian package owns {path}")


def dlopen_packages(sonames):
    """{package: [soname]} for libraries opened with dlopen(), found as the dynamic loader would
    (ldconfig -p)."""
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    where = {}
    for line in cache.splitlines():
        m = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if m and "x86-64" in m.group(2) and m.group(1) not in where:
            where[m.group(1)] = m.group(3)
    return packages_of(sonames, where,
                       lambda so, path: f"{so} (opened with dlopen): not installed here ({path})")


def setup_packages(path):
    text = open(path).read()
    m = re.search(r"packages=\((.*?)\n\)", text, re.S)
    words = []
    for line in m.group(1).splitlines():
        words += line.split("#")[0].split()
    return set(words)


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    binary, dockerfile, setup = argv[1:4]
    rest, plugins, sonames = argv[4:], [], []
    while rest:
        if rest[0] == "--dlopen" and len(rest) > 1:
            sonames.append(rest[1])
            rest = rest[2:]
        else:
            plugins.append(rest[0])
            rest = rest[1:]
    st = stages(open(dockerfile).read())
    failures = []
    if len(st) < 2:
        failures.append(f"{dockerfile}: expected a build stage and a runtime stage, found {len(st)}")
        print("\n".join(failures))
        return 1
    build, runtime = st[0], st[-1]

    needed, problems = needed_packages(binary)
    failures += problems
    for plugin in plugins:
        more, problems = needed_packages(plugin)
        failures += problems
        for pkg, libs in more.items():
            needed.setdefault(pkg, [])
            needed[pkg] += [lib for lib in libs if lib not in needed[pkg]]
    more, problems = dlopen_packages(sonames)
    failures += problems
    for pkg, libs in more.items():
        needed.setdefault(pkg, [])
        needed[pkg] += [lib for lib in libs if lib not in needed[pkg]]
    want = set(needed) - BASE - SANITIZER
    have = apt_packages(runtime[1])
    for pkg in sorted(want - have):
        failures.append(f"runtime stage lacks {pkg} (provides {', '.join(needed[pkg])} that "
                        f"{os.path.basename(binary)} or a plugin links or opens): add it to the last "
                        "apt-get install")
    for pkg in sorted(have - want - RUNTIME_EXTRA):
        failures.append(f"runtime stage installs {pkg}, which the binary does not link: remove it")

    dev = {p for p in setup_packages(setup)
           if p.endswith("-dev") or "-compiler" in p} - SETUP_NOT_IN_IMAGE
    build_pkgs = apt_packages(build[1])
    for pkg in sorted(dev - build_pkgs):
        failures.append(f"build stage lacks {pkg} (in scripts/setup): add it to its apt-get install")

    copies = [l.split() for l in runtime[1] if l.upper().startswith("COPY ")]
    for plugin in plugins:
        name = os.path.basename(plugin)
        want_dest = "/usr/local/lib/tidal/" + name
        if not any(c[-1] in (want_dest, "/usr/local/lib/tidal/") and
                   any(os.path.basename(src) == name for src in c[1:-1]) for c in copies):
            failures.append(f"runtime stage does not COPY {name} to {want_dest} "
                            "(tidal in /usr/local/bin looks for it in ../lib/tidal)")

    users = [l for l in runtime[1] if l.upper().startswith("USER ")]
    if not users or users[-1].split()[1].split(":")[0] in ("0", "root"):
        failures.append("runtime stage must end with a non-root USER")
    entry = [l for l in runtime[1] if l.upper().startswith("ENTRYPOINT ")]
    if not entry:
        failures.append("runtime stage has no ENTRYPOINT")
    else:
        argv_ = json.loads(entry[-1].split(None, 1)[1])
        if os.path.basename(argv_[0]) != "tidal" or argv_[1:] != ["operator"]:
            failures.append(f"ENTRYPOINT is {argv_}, expected [.../tidal, operator]")

    links = sorted("%s (%s)" % (p, ", ".join(libs)) for p, libs in needed.items())
    print("binary links: " + ", ".join(links))
    print(f"runtime stage installs: {', '.join(sorted(have))}")
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        print("0 passed, 1 failed")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
