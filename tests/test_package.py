"""The package imports fast and without side effects; the CLI basics."""
import subprocess
import sys

from srkit.cli import main


def test_import_is_light():
    code = ("import sys, srkit; heavy = [m for m in ('torch', 'numpy', 'PIL') if m in sys.modules];"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_attributes_resolve():
    import srkit

    assert callable(srkit.imresize) and callable(srkit.psnr) and callable(srkit.create_model)


def test_models_lists_baselines(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("bicubic", "nearest", "bilinear", "lanczos"):
        assert name in out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2


def test_errors_are_one_line_and_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    base = [sys.executable, "-m", "srkit"]
    plain = subprocess.run(base + ["compare", str(bad), "-o", str(tmp_path / "o.png")],
                           capture_output=True, text=True)
    assert plain.returncode == 2
    assert plain.stderr.startswith("srkit: error: ") and plain.stderr.count("\n") == 1
    assert str(bad) in plain.stderr and "Traceback" not in plain.stderr
    debug = subprocess.run(base + ["--debug", "compare", str(bad), "-o", str(tmp_path / "o.png")],
                           capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "SrkitError" in debug.stderr
    assert not (tmp_path / "o.png").exists()
