"""The Blender backend: the only package of synthgen that imports bpy.

Everything here also runs inside a stock Blender's bundled Python (bpy, mathutils, numpy
and the standard library only). Importing this package does not import bpy; the modules
that need it do. Public surface:

* :func:`synthgen.blender.worker.render_job` - render one job into its render folder;
* ``synthgen/blender/entry.py`` - the farm entry script
  (``blender --background --python entry.py -- --job JOB --out DIR [--frames A:B]``).
"""
