# The Littlest JupyterHub: start every user's server from the lab's environment, the
# arrangement `python3 tools/maintain.py test-class` runs (there with a local process spawner on one
# machine account; TLJH gives each user a system account). Copy to
# /opt/tljh/config/jupyterhub_config.d/contexture_lab.py, then `sudo tljh-config reload`.
# The environment /opt/contexture_lab comes from docs/INSTRUCTORS.md, section 7.
c = get_config()  # noqa: F821
c.Spawner.cmd = ["/opt/contexture_lab/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.environment = {
    "CONTEXTURE_LAB_DEVICE": "cpu",
    "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
}
