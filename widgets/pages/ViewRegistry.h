#pragma once
// View providers: each page type registers one, saying how well it shows a
// set of datasets (scored like a reader's confidence) and making the page.
// The main window asks the registry and never names a page; a new page is a
// folder under widgets/pages/ with a provider registered by
// NL_REGISTER_VIEW_PROVIDER.
#include <memory>
#include <string>
#include <vector>

#include "io/Dataset.h"
#include "io/Selection.h"
#include "widgets/pages/Page.h"

namespace nl::io {
class Session;
}

namespace nl::widgets {

class Page;
class PageHost;

// Scores: 0 cannot show it; 1 a plain table; 10 a generic view (heat map);
// 50 the view made for this kind of data; 80 the page of a result; 100 the
// view the producing plugin's manifest names for the output.
struct ViewMatch {
  int score = 0;
  std::vector<io::DatasetId> datasets;  // what the page would show, primary first
};

class ViewProvider {
 public:
  virtual ~ViewProvider() = default;
  virtual std::string id() const = 0;
  // How well this provider shows something among `offered` (one dataset, or
  // everything a file held, or every output of a run).
  virtual ViewMatch match(const io::Session& session,
                          const std::vector<io::DatasetId>& offered) const = 0;
  // Makes the page for `datasets` (a match's, or a saved page's); throws
  // std::exception with a message a user can read. May return nullptr when
  // the datasets went to an existing page instead.
  virtual Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const = 0;
};

class ViewRegistry {
 public:
  static ViewRegistry& instance();
  void add(std::unique_ptr<ViewProvider> provider);
  bool remove(const std::string& id);
  const ViewProvider* find(const std::string& id) const;
  std::vector<const ViewProvider*> providers() const;

  struct Choice {
    const ViewProvider* provider = nullptr;
    ViewMatch match;
  };
  // The best provider for `offered`. `declaredViews` are the view ids the
  // producing plugins' manifests name for these datasets: a provider so
  // named and able to show them wins.
  Choice best(const io::Session& session, const std::vector<io::DatasetId>& offered,
              const std::vector<std::string>& declaredViews = {}) const;

 private:
  std::vector<std::unique_ptr<ViewProvider>> providers_;
};

// Registers a provider when the widgets library loads.
struct ViewRegistration {
  explicit ViewRegistration(std::unique_ptr<ViewProvider> provider);
};

}  // namespace nl::widgets

#define NL_REGISTER_VIEW_PROVIDER(Type)                                                     \
  namespace {                                                                               \
  const ::nl::widgets::ViewRegistration nlViewRegistration##Type{std::make_unique<Type>()}; \
  }
