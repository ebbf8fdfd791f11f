"""iggan-report: a static, self-contained HTML report of training workdirs (samples, turntables, an interactive
mesh viewer, training curves, eval.json scores), written by iggan_tf.report.html_report."""
