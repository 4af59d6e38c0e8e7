# SPDX-License-Identifier: GPL-2.0-or-later
"""crashlab's building blocks: the cache, the guest kernel and debug vmlinux
from the Debian archive, the guest initramfs, and VMCOREINFO from an ELF core.
Imported by scripts/crashlab; errors end the program through die()."""
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import struct

LABDIR = os.path.dirname(os.path.realpath(__file__))
CACHE = os.environ.get("CRASHCAP_CACHE") or os.path.expanduser("~/.cache/crashcap")
FLAVOUR = "cloud-amd64"
BASE_MODULES = ["virtio_pci", "virtio_blk"]
# loaded when the kernel has them as modules (686-pae); built into the cloud kernels
OPTIONAL_MODULES = ["crc32c_generic", "ext4"]


class Arch:
    """Where a guest architecture's packages come from.  amd64 uses the host's
    apt; i386 a private apt state under the cache (the host has no i386 arch)."""

    def __init__(self, name, flavour, qemu, cpu, apt_opts=()):
        self.name, self.flavour, self.qemu, self.cpu = name, flavour, qemu, cpu
        self.apt_opts = list(apt_opts)

    def apt(self, tool, *args):
        return [tool] + self.apt_opts + list(args)

    def lists_dir(self):
        for i, o in enumerate(self.apt_opts):
            if o.startswith("Dir::State::Lists="):
                return o.split("=", 1)[1]
        return "/var/lib/apt/lists"

    def update(self):
        subprocess.run(self.apt("apt-get", "update", "-qq"), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


def get_arch(name):
    if name in (None, "", "x86_64", "amd64"):
        return Arch("x86_64", FLAVOUR, "qemu-system-x86_64", "qemu64")
    if name in ("i386", "i686"):
        st = os.path.join(CACHE, "apt-i386")
        for d in ("lists/partial", "cache/archives/partial"):
            os.makedirs(os.path.join(st, d), exist_ok=True)
        if not os.path.exists(os.path.join(st, "status")):
            open(os.path.join(st, "status"), "w").close()
        opts = ["-o", "APT::Architecture=i386", "-o", "APT::Architectures::=i386",
                "-o", "Dir::State::Lists=" + os.path.join(st, "lists"),
                "-o", "Dir::Cache=" + os.path.join(st, "cache"),
                "-o", "Dir::State::status=" + os.path.join(st, "status"),
                "-o", "Debug::NoLocking=1"]
        a = Arch("i386", "686-pae", "qemu-system-i386", "qemu32", opts)
        if not any("_Packages" in f for f in os.listdir(os.path.join(st, "lists"))):
            log("fetching the i386 package lists into %s" % st)
            a.update()
        return a
    die("unknown --arch %r (x86_64 or i386)" % name)


def log(msg):
    print("crashlab: " + msg, file=sys.stderr, flush=True)


def die(msg, code=1):
    log("error: " + msg)
    sys.exit(code)


def run(cmd, **kw):
    """Run a command, die with its stderr on failure."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        die("%s failed (rc=%d): %s" % (" ".join(map(shlex.quote, cmd)), r.returncode,
                                       r.stderr.strip()[-2000:]))
    return r.stdout


class Lock:
    """flock on a file in the cache: serialises downloads, captures and guests."""

    def __init__(self, name):
        os.makedirs(CACHE, exist_ok=True)
        self.path = os.path.join(CACHE, name)
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for %s (another crashlab is running)" % self.path)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# ---------------------------------------------------------------- kernels

def version_key(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", v)]


def pick_kernel_version(requested=None, arch=None):
    """A full version (6.1.0-56, 6.12.117+deb12) is used as is; a series (6.1,
    6.12; default 6.1) picks the newest kernel of it that apt-cache knows."""
    arch = arch or get_arch(None)
    flavour = arch.flavour
    ver = requested or os.environ.get("CRASHLAB_KERNEL") or "6.1"
    if ver.endswith("-" + flavour):
        ver = ver[:-len(flavour) - 1]
    if not re.fullmatch(r"\d+\.\d+", ver):
        return ver + "-" + flavour
    series = ver
    pat = re.compile(r"^linux-image-(%s[.-]\S*-%s)-unsigned " % (re.escape(series), flavour))

    def search():
        out = subprocess.run(arch.apt("apt-cache", "search", "--names-only",
                                      r"^linux-image-%s[.-].*-%s-unsigned$"
                                      % (re.escape(series), flavour)),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        return [m.group(1) for m in map(pat.match, out.splitlines())
                if m and "-rt-" not in m.group(1)]

    # apt-cache takes ~1 s (more under load) and every lab test asks several
    # times: remember the answer until the package lists change
    lists = arch.lists_dir()
    try:
        stamp = max((e.stat().st_mtime for e in os.scandir(lists) if e.is_file()), default=0)
    except OSError:
        stamp = 0
    memo_path = os.path.join(CACHE, "kernel-pick.json")
    memo_key = "%s/%s" % (flavour, series)
    try:
        memo = json.load(open(memo_path))
    except (OSError, ValueError):
        memo = {}
    if stamp and memo.get(memo_key, [None])[0] == stamp:
        return memo[memo_key][1]

    found = search()
    if found and stamp:
        memo[memo_key] = [stamp, max(found, key=version_key)]
        os.makedirs(CACHE, exist_ok=True)
        tmp = memo_path + ".%d" % os.getpid()
        with open(tmp, "w") as f:
            json.dump(memo, f)
        os.rename(tmp, memo_path)
    if not found:
        log("apt-cache knows no %s %s kernel; running apt-get update" % (series, flavour))
        arch.update()
        found = search()
    if not found:  # offline: fall back to what the cache holds
        kd = os.path.join(CACHE, "kernels")
        found = [k for k in (os.listdir(kd) if os.path.isdir(kd) else [])
                 if re.match(re.escape(series) + r"[.-]", k) and k.endswith("-" + flavour)]
    if not found:
        die("no linux-image-%s*-%s-unsigned package found (apt-cache)" % (series, flavour))
    return max(found, key=version_key)


def apt_download(pkg, dest, arch=None):
    arch = arch or get_arch(None)
    os.makedirs(dest, exist_ok=True)
    for f in os.listdir(dest):
        if f.startswith(pkg + "_") and f.endswith(".deb"):
            return os.path.join(dest, f)
    log("downloading %s" % pkg)
    tmp = tempfile.mkdtemp(dir=dest, prefix=".dl-")
    try:
        r = subprocess.run(arch.apt("apt-get", "download", pkg), cwd=tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            arch.update()
            run(arch.apt("apt-get", "download", pkg), cwd=tmp)
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        if len(debs) != 1:
            die("apt-get download %s produced %r" % (pkg, debs))
        final = os.path.join(dest, debs[0])
        os.rename(os.path.join(tmp, debs[0]), final)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def prepare_kernel(ver, arch=None):
    """Download, unpack and depmod linux-image-<ver>-unsigned; return its root."""
    root = os.path.join(CACHE, "kernels", ver)
    stamp = os.path.join(root, ".ready")
    if os.path.exists(stamp):
        return root
    with Lock("kernel.lock"):
        if os.path.exists(stamp):
            return root
        deb = apt_download("linux-image-%s-unsigned" % ver, os.path.join(CACHE, "debs"), arch)
        tmp = root + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        run(["dpkg", "-x", deb, tmp])
        run(["depmod", "-b", tmp, ver])
        if os.path.isdir(root):
            shutil.rmtree(root)
        os.rename(tmp, root)
        open(stamp, "w").close()
    return root


def prepare_dbg(ver, arch=None):
    """Fetch linux-image-<ver>-dbg (~280 MB) and extract only the vmlinux."""
    d = os.path.join(CACHE, "dbg", ver)
    vmlinux = os.path.join(d, "vmlinux")
    if os.path.exists(vmlinux):
        return vmlinux
    with Lock("dbg.lock"):
        if os.path.exists(vmlinux):
            return vmlinux
        deb = apt_download("linux-image-%s-dbg" % ver, os.path.join(CACHE, "debs"), arch)
        os.makedirs(d, exist_ok=True)
        log("extracting vmlinux from %s" % os.path.basename(deb))
        tmp = vmlinux + ".tmp"
        with open(tmp, "wb") as out:
            deb_p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
            tar_p = subprocess.Popen(["tar", "-xO", "./usr/lib/debug/boot/vmlinux-" + ver],
                                     stdin=deb_p.stdout, stdout=out)
            deb_p.stdout.close()
            tar_rc = tar_p.wait()
            deb_p.wait()
        if tar_rc != 0 or os.path.getsize(tmp) == 0:
            os.unlink(tmp)
            die("could not extract vmlinux-%s from %s" % (ver, deb))
        os.rename(tmp, vmlinux)
        os.unlink(deb)  # 280 MB we never need again
    return vmlinux


# ---------------------------------------------------------------- initramfs

def module_order(kroot, ver, names, optional=()):
    """Resolve modules.dep: return [(name, relpath)] with dependencies first."""
    moddir = os.path.join(kroot, "lib", "modules", ver)
    deps = {}
    with open(os.path.join(moddir, "modules.dep")) as f:
        for line in f:
            mod, _, rest = line.partition(":")
            deps[mod] = rest.split()

    def modname(path):
        b = os.path.basename(path)
        b = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", b)
        return b.replace("-", "_")

    by_name = {modname(p): p for p in deps}
    builtin = set()
    try:
        with open(os.path.join(moddir, "modules.builtin")) as f:
            builtin = {modname(l.strip()) for l in f if l.strip()}
    except OSError:
        pass
    order, seen = [], set()

    def visit(p):
        if p in seen:
            return
        seen.add(p)
        for d in deps.get(p, []):
            visit(d)
        order.append(p)

    for n in list(optional) + list(names):
        n = n.replace("-", "_")
        if n not in by_name and (n in builtin or n in optional):
            continue  # built into this kernel (6.12 has virtio_pci =y)
        if n not in by_name:
            die("module %s not found in %s/modules.dep" % (n, moddir))
        visit(by_name[n])
    return [(modname(p), os.path.join(moddir, p)) for p in order]


def copy_module(src, dst):
    if src.endswith(".ko"):
        shutil.copyfile(src, dst)
        return
    tool = {".xz": ["xz", "-dc"], ".zst": ["zstd", "-dcq"], ".gz": ["gzip", "-dc"]}
    for ext, cmd in tool.items():
        if src.endswith(ext):
            with open(dst, "wb") as out:
                subprocess.run(cmd + [src], stdout=out, check=True)
            return
    die("unknown module compression: " + src)


def add_with_libs(stage, src, dst_rel):
    """Copy an executable into the stage; copy its shared libraries too (ldd)."""
    dst = os.path.join(stage, dst_rel.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)
    with open(src, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return
    r = subprocess.run(["ldd", src], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        return  # static
    for line in r.stdout.splitlines():
        m = re.search(r"(/\S+)\s+\(0x", line)
        if not m:
            continue
        lib = m.group(1)
        ldst = os.path.join(stage, lib.lstrip("/"))
        if not os.path.exists(ldst):
            os.makedirs(os.path.dirname(ldst), exist_ok=True)
            shutil.copy2(os.path.realpath(lib), ldst)


I386_PKGS = ["busybox-static", "kexec-tools", "libc6"]


def i386_sysroot():
    """busybox, kexec and libc from the i386 archive, unpacked side by side
    (this host cannot run i386 binaries: libraries are found by DT_NEEDED)."""
    root = os.path.join(CACHE, "i386root")
    stamp = os.path.join(root, ".ready")
    if os.path.exists(stamp):
        return root
    arch = get_arch("i386")
    with Lock("kernel.lock"):
        if os.path.exists(stamp):
            return root
        tmp = root + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        for pkg in I386_PKGS:
            deb = apt_download(pkg, os.path.join(CACHE, "debs-i386"), arch)
            run(["dpkg", "-x", deb, tmp])
        shutil.rmtree(root, ignore_errors=True)
        os.rename(tmp, root)
        open(stamp, "w").close()
    return root


def _sysroot_file(sysroot, path, depth=0):
    """Resolve path (absolute symlinks included) inside sysroot."""
    full = os.path.join(sysroot, path.lstrip("/"))
    if os.path.islink(full) and depth < 10:
        t = os.readlink(full)
        if not t.startswith("/"):
            t = os.path.join(os.path.dirname(path), t)
        return _sysroot_file(sysroot, os.path.normpath(t), depth + 1)
    return full if os.path.exists(full) else None


def add_with_sysroot_libs(stage, sysroot, src, dst_rel):
    """Copy a foreign-arch ELF and, via readelf's DT_NEEDED and interpreter,
    the libraries it needs from sysroot."""
    dst = os.path.join(stage, dst_rel.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)
    todo, done = [src], set()
    libdirs = ["/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib", "/usr/lib"]
    while todo:
        f = todo.pop()
        out = subprocess.run(["readelf", "-d", "-l", "-W", f], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        wanted = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
        interp = re.findall(r"Requesting program interpreter: ([^\]]+)\]", out)
        for name in wanted + interp:
            cands = [name] if name.startswith("/") else [d + "/" + name for d in libdirs]
            for c in cands:
                real = _sysroot_file(sysroot, c)
                if real:
                    break
            else:
                die("%s needs %s, not found in %s" % (src, name, sysroot))
            if c in done:
                continue
            done.add(c)
            ldst = os.path.join(stage, c.lstrip("/"))
            os.makedirs(os.path.dirname(ldst), exist_ok=True)
            shutil.copy2(real, ldst)
            todo.append(real)


def elf_class(path):
    with open(path, "rb") as f:
        h = f.read(5)
    return h[4] if len(h) == 5 and h[:4] == b"\x7fELF" else 0


def build_workload():
    src = os.path.join(LABDIR, "workload.c")
    h = hashlib.sha256(open(src, "rb").read()).hexdigest()[:16]
    out = os.path.join(CACHE, "tools", "workload-" + h)
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cc = os.environ.get("CC", "cc")
        run([cc, "-static", "-O2", "-std=c11", "-D_GNU_SOURCE", "-o", out + ".tmp", src])
        os.rename(out + ".tmp", out)
    return out


def which_or_die(prog, pkg):
    p = shutil.which(prog) or (os.path.exists("/usr/sbin/" + prog) and "/usr/sbin/" + prog) \
        or (os.path.exists("/sbin/" + prog) and "/sbin/" + prog)
    if not p:
        die("%s not found (install %s, or run scripts/bootstrap)" % (prog, pkg))
    return p


def build_initramfs(path, kroot, ver, conf_text, opts, arch=None):
    arch = arch or get_arch(None)
    sysroot = i386_sysroot() if arch.name == "i386" else None
    stage = tempfile.mkdtemp(prefix="stage-", dir=os.path.dirname(path))
    try:
        for d in ["bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "lib/modules",
                  "usr/bin", "usr/sbin", "out", "data", "tmpfs"]:
            os.makedirs(os.path.join(stage, d), exist_ok=True)
        if sysroot:
            # no i386 C compiler here: the guest's init falls back to busybox for
            # page cache and tmpfs and has no anon/THP/hugetlb workload
            shutil.copy2(os.path.join(sysroot, "bin/busybox"), os.path.join(stage, "bin/busybox"))
            add_with_sysroot_libs(stage, sysroot, os.path.join(sysroot, "sbin/kexec"),
                                  "/sbin/kexec")
        else:
            busybox = which_or_die("busybox", "busybox-static")
            if subprocess.run(["ldd", busybox], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                die("%s is not static (install busybox-static)" % busybox)
            shutil.copy2(busybox, os.path.join(stage, "bin/busybox"))
            add_with_libs(stage, which_or_die("kexec", "kexec-tools"), "/sbin/kexec")
            shutil.copy2(build_workload(), os.path.join(stage, "bin/workload"))
        os.symlink("busybox", os.path.join(stage, "bin/sh"))
        shutil.copy2(os.path.join(LABDIR, "init.sh"), os.path.join(stage, "init"))
        os.chmod(os.path.join(stage, "init"), 0o755)
        names = []
        extra_mods = (["virtio_net"] if opts.net else []) + opts.module
        for name, src in module_order(kroot, ver, BASE_MODULES + extra_mods, OPTIONAL_MODULES):
            copy_module(src, os.path.join(stage, "lib/modules", name + ".ko"))
            names.append(name)
        conf_text += "CL_MODULES=%s\n" % shlex.quote(" ".join(names))
        for spec in opts.extra_file:
            host, sep, guest = spec.partition(":")
            if not sep or not guest.startswith("/"):
                die("--extra-file wants HOST:/GUEST/PATH, got %r" % spec)
            if not os.path.exists(host):
                die("--extra-file: %s does not exist" % host)
            if sysroot and elf_class(host) == 1:
                add_with_sysroot_libs(stage, sysroot, host, guest)
            else:
                add_with_libs(stage, host, guest)
        with open(os.path.join(stage, "etc/crashlab.conf"), "w") as f:
            f.write(conf_text)
        # one compressed newc archive: no concatenation alignment pitfalls
        with open(path, "wb") as out:
            find = subprocess.Popen(["find", "."], cwd=stage, stdout=subprocess.PIPE)
            cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"],
                                    cwd=stage, stdin=find.stdout, stdout=subprocess.PIPE)
            gz = subprocess.Popen(["gzip", "-1", "-n"], stdin=cpio.stdout, stdout=out)
            find.stdout.close()
            cpio.stdout.close()
            if gz.wait() or cpio.wait() or find.wait():
                die("building the initramfs failed")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


# ---------------------------------------------------------------- ELF notes

def read_vmcoreinfo(path):
    """Return (dict of VMCOREINFO keys, list of note names) from an ELF32 or
    ELF64 little-endian core."""
    with open(path, "rb") as f:
        eh = f.read(64)
        if len(eh) < 52 or eh[:4] != b"\x7fELF" or eh[4] not in (1, 2) or eh[5] != 1:
            raise ValueError("not an ELF32/ELF64 little-endian file")
        is64 = eh[4] == 2
        e_type, = struct.unpack_from("<H", eh, 16)
        if is64:
            e_phoff, = struct.unpack_from("<Q", eh, 32)
            e_phentsize, e_phnum = struct.unpack_from("<HH", eh, 54)
        else:
            e_phoff, = struct.unpack_from("<I", eh, 28)
            e_phentsize, e_phnum = struct.unpack_from("<HH", eh, 42)
        if e_type != 4:
            raise ValueError("ELF type %d is not ET_CORE" % e_type)
        info, names = {}, []
        for i in range(e_phnum):
            f.seek(e_phoff + i * e_phentsize)
            ph = f.read(56 if is64 else 32)
            p_type, = struct.unpack_from("<I", ph, 0)
            if is64:
                p_offset, = struct.unpack_from("<Q", ph, 8)
                p_filesz, = struct.unpack_from("<Q", ph, 32)
            else:
                p_offset, p_filesz = struct.unpack_from("<I", ph, 4)[0], \
                    struct.unpack_from("<I", ph, 16)[0]
            if p_type != 4 or p_filesz > 1 << 24:
                continue
            f.seek(p_offset)
            data = f.read(p_filesz)
            off = 0
            while off + 12 <= len(data):
                namesz, descsz, ntype = struct.unpack_from("<III", data, off)
                off += 12
                name = data[off:off + namesz].rstrip(b"\0").decode("ascii", "replace")
                off += (namesz + 3) & ~3
                desc = data[off:off + descsz]
                off += (descsz + 3) & ~3
                names.append(name)
                if name == "VMCOREINFO":
                    for line in desc.decode("ascii", "replace").splitlines():
                        k, sep, v = line.partition("=")
                        if sep:
                            info[k] = v
        return info, names
