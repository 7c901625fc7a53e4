# JupyterLab as `make lab` starts it: the whole repository visible, notebooks/ open, and the
# committed notebooks saved without outputs (analysis.lab.strip_on_save; KEEP_OUTPUTS=1 keeps them).
from analysis.lab import strip_on_save

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file
c.ContentsManager.pre_save_hook = strip_on_save
