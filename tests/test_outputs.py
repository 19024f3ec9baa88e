"""Outputs are written whole or not at all, through links, never over FIFOs or devices, with the umask's
permissions; a killed writer leaves neither temporaries nor a missing model behind."""

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from zhtagger.atomic import open_atomically, write_atomically
from zhtagger.cli import main
from zhtagger.modeldir import read_config


def test_output_through_a_symbolic_link_writes_its_target(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    source = tmp_path / "in.txt"
    source.write_text("我爱北京天安门\n", encoding="utf-8")
    assert main(["cut", str(source), "-o", str(link)]) == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "我 爱 北京 天安门\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_or_directory_is_refused_not_replaced(tmp_path, capsys):
    source = tmp_path / "in.txt"
    source.write_text("我爱北京\n", encoding="utf-8")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert main(["cut", str(source), "-o", str(fifo)]) == 2
    assert "is a FIFO" in capsys.readouterr().err and stat.S_ISFIFO(fifo.stat().st_mode)
    assert main(["cut", str(source), "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    with pytest.raises(ValueError, match="is a device"), open_atomically("/dev/null"):
        pass


def test_new_files_and_directories_get_the_umasks_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        with open_atomically(tmp_path / "out.txt") as file:
            file.write("x")
        write_atomically(tmp_path / "model", lambda d: (d / "a.txt").write_text("a"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "model").stat().st_mode) == 0o750
    (tmp_path / "out.txt").chmod(0o604)  # an existing file keeps its own mode
    with open_atomically(tmp_path / "out.txt") as file:
        file.write("y")
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o604


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_model_parked_by_a_killed_writer_is_recovered_and_its_temporaries_removed(tmp_path):
    import shutil

    from zhtagger.registry import resolve

    pid = dead_pid()
    parked = tmp_path / f".model.{pid}.old.abcd"
    parked.mkdir()
    shutil.copytree(resolve("pku", "segment"), parked / "model")  # killed between its two renames
    (tmp_path / f".model.{pid}.tmp.efgh").mkdir()  # and its half-written new model
    (tmp_path / f".out.txt.{pid}.tmp.ijkl").write_text("half")
    assert read_config(tmp_path / "model")["task"] == "segment"  # reading finds the old model back in place
    with open_atomically(tmp_path / "out.txt") as file:
        file.write("whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "out.txt"]


def test_replacing_a_model_directory_keeps_a_complete_one_in_place(tmp_path):
    write_atomically(tmp_path / "model", lambda d: (d / "v.txt").write_text("1"))
    write_atomically(tmp_path / "model", lambda d: (d / "v.txt").write_text("2"))
    assert (tmp_path / "model" / "v.txt").read_text() == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_during_cut_leaves_no_output_and_no_temporaries(tmp_path, workers):
    source = tmp_path / "in.txt"
    # seconds of work even for two workers, so the signal comes in the middle
    source.write_text("我们在北京天安门广场看升旗仪式，人民群众很高兴。\n" * 240_000, encoding="utf-8")
    out = tmp_path / "out.txt"
    process = subprocess.Popen([sys.executable, "-m", "zhtagger", "cut", str(source), "-o", str(out), "-q",
                                "--workers", workers], stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]
    assert "Traceback" not in err, err
