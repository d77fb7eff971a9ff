// neuroloupe: the desktop application.
//   neuroloupe [FILES…] [--demo] [--session FILE] [--screenshot OUT.png] [--quit-after MS]
//              [--autosave SECONDS] [--recover]
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QSettings>
#include <QSurfaceFormat>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "app/common/BuildInfo.h"
#include "app/gui/CacheSettings.h"
#include "app/gui/MainWindow.h"
#include "io/ReaderRegistry.h"
#include "io/hdf5/MetadataProbe.h"
#include "widgets/Screenshot.h"
#include "widgets/VtkView.h"

namespace {
// QGuiApplication takes "-session ID" / "--session ID" for X11 session
// management and removes both words before our parser sees them, so the
// documented "--session FILE" silently opened nothing. Joined as
// "--session=FILE" it reaches our own option.
std::vector<char*> joinSessionArgument(int argc, char** argv, std::vector<std::string>& storage) {
  storage.reserve(static_cast<std::size_t>(argc));
  for (int i = 0; i < argc; ++i) {
    const bool isSession =
        std::strcmp(argv[i], "--session") == 0 || std::strcmp(argv[i], "-session") == 0;
    if (isSession && i + 1 < argc) {
      storage.push_back(std::string("--session=") + argv[++i]);
    } else {
      storage.emplace_back(argv[i]);
    }
  }
  std::vector<char*> result;
  for (auto& word : storage) result.push_back(word.data());
  result.push_back(nullptr);
  return result;
}
}  // namespace

int main(int argc, char** argv) {
  QElapsedTimer sinceLaunch;
  sinceLaunch.start();
  std::vector<std::string> argumentStorage;
  std::vector<char*> arguments = joinSessionArgument(argc, argv, argumentStorage);
  argc = static_cast<int>(arguments.size()) - 1;
  argv = arguments.data();
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "NeuroLoupe: open neuroscience data, run analyses, explore linked views.");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("files", "Data files to open (FILE or FILE::INTERNAL/PATH).",
                               "[FILES…]");
  const QCommandLineOption demo("demo", "Open the embedded demo session.");
  const QCommandLineOption session("session", "Open a saved session.", "FILE");
  const QCommandLineOption screenshot("screenshot", "Write a PNG of the whole window, then quit.",
                                      "OUT.png");
  const QCommandLineOption quitAfter("quit-after", "Quit after this many milliseconds.", "MS");
  const QCommandLineOption autosave(
      "autosave", "Autosave the session every SECONDS (0: off; default from the settings, 120).",
      "SECONDS");
  const QCommandLineOption recover(
      "recover", "Recover the newest session autosaved by an app that did not close normally.");
  parser.addOptions({demo, session, screenshot, quitAfter, autosave, recover});

  // The files named here are probed (a separate process walks their HDF5
  // metadata) while Qt starts and the window is built, not after.
  std::vector<std::filesystem::path> named;
  {
    QStringList words;
    for (int i = 0; i < argc; ++i) words << QString::fromLocal8Bit(argv[i]);
    if (parser.parse(words)) {
      // Answered before Qt looks for a display: `neuroloupe --help` over ssh
      // or in a container without X prints the usage instead of failing.
      if (parser.isSet("help")) {
        // Without a QCoreApplication Qt cannot name the executable itself.
        const QString help = parser.helpText().replace("<executable_name>", "neuroloupe");
        std::fputs(help.toLocal8Bit().constData(), stdout);
        return 0;
      }
      if (parser.isSet("version")) {
        std::printf("NeuroLoupe %s\n", nl::app::appVersion().c_str());
        return 0;
      }
      for (const QString& file : parser.positionalArguments())
        named.push_back(nl::io::parsePathSpec(file.toStdString()).path);
    }
  }
  const nl::io::h5::ProbeAhead probeAhead(named);

  QSurfaceFormat::setDefaultFormat(nl::widgets::VtkView::defaultFormat());
  QApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
  QApplication app(argc, argv);
  QApplication::setOrganizationName("NeuroLoupe");
  QApplication::setApplicationName("NeuroLoupe");
  QApplication::setApplicationVersion(QString::fromStdString(nl::app::appVersion()));
  QApplication::setDesktopFileName("org.neuroloupe.NeuroLoupe");
  parser.process(app);

  bool ok = true;
  const int quitAfterMs = parser.isSet(quitAfter) ? parser.value(quitAfter).toInt(&ok) : -1;
  if (!ok || (parser.isSet(quitAfter) && quitAfterMs < 0)) {
    std::fprintf(stderr, "neuroloupe: --quit-after needs a number of milliseconds\n");
    return 2;
  }

  const bool headless = parser.isSet(screenshot) || parser.isSet(quitAfter);
  // Scripted runs (screenshots, tests) neither read nor change the user's
  // saved window layout and recent files: they look the same every time.
  QTemporaryDir scratchSettings;
  if (headless) {
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, scratchSettings.path());
  }
  int autosaveS = 0;
  if (parser.isSet(autosave)) {
    autosaveS = parser.value(autosave).toInt(&ok);
    if (!ok || autosaveS < 0) {
      std::fprintf(stderr, "neuroloupe: --autosave needs a number of seconds (0: off)\n");
      return 2;
    }
  }
  nl::app::applyCacheSettings();  // before anything is opened: caches read their caps when made
  nl::app::MainWindow window;
  window.setInteractive(!headless);
  // Scripted runs autosave only when asked (they would leave recovery files).
  if (parser.isSet(autosave) || headless) window.setAutosaveInterval(autosaveS);
  window.show();
  if (parser.isSet(recover))
    window.offerRecovery(false);
  else if (!headless)
    QTimer::singleShot(0, &window, [&window] { window.offerRecovery(true); });
  if (parser.isSet(session)) window.loadSession(parser.value(session));
  if (parser.isSet(demo)) window.openDemo();
  if (!parser.positionalArguments().isEmpty()) window.openFiles(parser.positionalArguments());

  // Report when the window first has pixels of every 3D view on screen.
  auto views = window.findChildren<nl::widgets::VtkView*>();
  if (headless) {
    for (auto* view : views)
      QObject::connect(view, &nl::widgets::VtkView::rendered, &app, [view, &sinceLaunch] {
        static bool reported = false;
        if (!reported) {
          reported = true;
          std::fprintf(stderr, "neuroloupe: first 3D frame %lld ms after launch (%s)\n",
                       static_cast<long long>(sinceLaunch.elapsed()),
                       qPrintable(view->objectName()));
        }
      });
  }

  if (parser.isSet(screenshot) || quitAfterMs >= 0) {
    const QString out = parser.value(screenshot);
    QTimer::singleShot(
        std::max(0, quitAfterMs < 0 ? 1500 : quitAfterMs), &app, [&window, out, &sinceLaunch] {
          if (!out.isEmpty()) {
            const QImage image = nl::widgets::composeWindowImage(&window);
            if (!image.save(out)) {
              std::fprintf(stderr, "neuroloupe: cannot write screenshot %s\n", qPrintable(out));
              QApplication::exit(1);
              return;
            }
            std::fprintf(stderr, "neuroloupe: screenshot %s (%dx%d) at %lld ms\n", qPrintable(out),
                         image.width(), image.height(),
                         static_cast<long long>(sinceLaunch.elapsed()));
          }
          window.close();
          QApplication::quit();
        });
  }
  return app.exec();
}
