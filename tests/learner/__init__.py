"""The learner-side package tpmkit, module by module: quizzes, checks, progress, SQL, git, the API, and the
calculators and charts the lessons use."""
